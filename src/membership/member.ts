/**
 * The vocabulary shared by the membership mechanisms (DESIGN.md §5). Kept tiny on purpose: the member table,
 * probe loop and wire mapping live in their own files.
 */

declare const nodeIdBrand: unique symbol;

/** A member's unique name in the cluster (memberlist `Node.Name`). Branded so it is never confused with an address. */
export type NodeId = string & { readonly [nodeIdBrand]: true };

/** Brands a string as a NodeId. Empty names are a programmer error: memberlist rejects them too. */
export function nodeId(name: string): NodeId {
  if (name.length === 0) throw new RangeError('a node id must be a non-empty string');
  return name as NodeId;
}

/**
 * A member's state as gossiped (memberlist `NodeStateType`: alive, suspect, dead, left). `dead` is shown as
 * `failed` at the HTTP edge (DESIGN.md §13); `left` is a graceful, intentional departure.
 */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

export const MEMBER_STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];
