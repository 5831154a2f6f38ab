import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import { replicaSuite } from './replica-suite.js';

replicaSuite('memory', async () => openMemoryStorage());
