/**
 * One IndexedDB object store used as a key-value map: what the E2EE keeps
 * across visits in this browser (the device key, the devices verified), and
 * the device vault's sealed records. Every call opens and closes the
 * database: these are read a few times per visit.
 */
export class BrowserStore {
  constructor(
    private readonly database: string,
    private readonly store: string,
  ) {}

  get(key: string): Promise<unknown> {
    return this.#run('readonly', (store) => store.get(key));
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.#run('readwrite', (store) => store.put(value, key));
  }

  /** Stores `value` unless `key` is taken (two tabs racing to make the same record): false when it was. */
  async addIfAbsent(key: string, value: unknown): Promise<boolean> {
    try {
      await this.#run('readwrite', (store) => store.add(value, key));
      return true;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'ConstraintError') return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#run('readwrite', (store) => store.delete(key));
  }

  /** Every key that starts with `prefix`, in key order. */
  async keysWithPrefix(prefix: string): Promise<string[]> {
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const keys = await this.#run('readonly', (store) => store.getAllKeys(range));
    return keys.filter((key): key is string => typeof key === 'string');
  }

  #open(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(this.database, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(this.store);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
    });
  }

  async #run<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.#open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const request = run(db.transaction(this.store, mode).objectStore(this.store));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
      });
    } finally {
      db.close();
    }
  }
}
