/**
 * One IndexedDB object store used as a key-value map: what the E2EE keeps
 * across visits in this browser (the device key, the devices verified).
 * Every call opens and closes the database: these are read once per visit.
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
