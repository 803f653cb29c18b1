import { afterAll, expect } from 'vitest';
import { droppedServerMessages } from './browser.js';

/*
 * Every system test file ends by checking that its pages dropped no server
 * push or answer for not matching its schema (browser.ts collects them): each real
 * session the tests run checks that the server speaks the shared protocol.
 */
afterAll(() => {
  const dropped = droppedServerMessages.splice(0);
  expect(dropped, 'the server sent pushes or answers that their schemas refuse (the pages dropped them)').toEqual([]);
});
