import { describe, expect, it } from 'vitest';
import { BACKGROUND_STORAGE_KEY, rememberChoice, rememberedChoice, type ChoiceStore } from './background-choice.js';

function memoryStore(): ChoiceStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, getItem: (key) => values.get(key) ?? null, setItem: (key, value) => void values.set(key, value) };
}

describe('background choice', () => {
  it('is off on a device that never chose', () => {
    expect(rememberedChoice(memoryStore())).toBe('off');
    expect(rememberedChoice(undefined)).toBe('off');
  });

  it('is remembered under one key, as the choice alone', () => {
    const store = memoryStore();
    rememberChoice(store, 'blur');
    expect(rememberedChoice(store)).toBe('blur');
    expect([...store.values]).toEqual([[BACKGROUND_STORAGE_KEY, 'blur']]);
    rememberChoice(store, 'plain');
    expect(rememberedChoice(store)).toBe('plain');
  });

  it('reads anything else as off, and survives a storage that refuses', () => {
    const store = memoryStore();
    store.values.set(BACKGROUND_STORAGE_KEY, 'https://elsewhere.example/picture.png');
    expect(rememberedChoice(store)).toBe('off');
    const refusing: ChoiceStore = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    expect(rememberedChoice(refusing)).toBe('off');
    expect(() => rememberChoice(refusing, 'blur')).not.toThrow();
  });
});
