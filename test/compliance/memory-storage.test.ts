import { openMemoryStorage } from '../../src/storage/memory-storage.js';
import { storageContract } from './storage-contract.js';

storageContract('memory', async () => ({ store: openMemoryStorage(), async cleanup() {} }));
