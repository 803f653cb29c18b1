import { clientRequests } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { familyOf, requestBudgets, type RequestFamily } from './request-budgets.js';

const families = Object.keys(requestBudgets) as RequestFamily[];

describe('request budgets', () => {
  it('put every request in exactly one family, and anything else under unknown', () => {
    for (const event of Object.keys(clientRequests)) {
      const holding = families.filter((family) => (requestBudgets[family].events as readonly string[]).includes(event));
      expect(holding, event).toHaveLength(1);
      expect(familyOf(event)).toBe(holding[0]);
    }
    expect(familyOf('room:explode')).toBe('unknown');
    expect(familyOf('__proto__')).toBe('unknown');
    expect(requestBudgets.unknown.events).toEqual([]);
  });

  it('give each person at least what one connection gets, over whole windows', () => {
    for (const family of families) {
      const { perConnection, perUser } = requestBudgets[family];
      for (const budget of [perConnection, perUser]) {
        expect(Number.isInteger(budget.points) && budget.points > 0, family).toBe(true);
        expect(Number.isInteger(budget.seconds) && budget.seconds > 0, family).toBe(true);
      }
      expect(perUser.points / perUser.seconds, family).toBeGreaterThanOrEqual(perConnection.points / perConnection.seconds);
      expect(perUser.points, family).toBeGreaterThanOrEqual(perConnection.points);
    }
  });

  it('keep windows a test server can divide by REQUEST_BUDGET_TIME_SCALE into whole seconds', () => {
    for (const family of families) {
      for (const budget of [requestBudgets[family].perConnection, requestBudgets[family].perUser]) {
        for (const timeScale of [2, 5, 10]) expect(Number.isInteger(budget.seconds / timeScale), `${family} / ${timeScale}`).toBe(true);
      }
    }
  });

  it('leave room for what the issue says honest people do', () => {
    // Chat: bursts of five, one line a second on average, none refused in any window.
    expect(requestBudgets.chat.perConnection.points).toBeGreaterThanOrEqual(requestBudgets.chat.perConnection.seconds);
    // A KeyPackage on joining and one every 4 s while waiting for the Welcome.
    expect(requestBudgets.key_package.perConnection.points).toBeGreaterThanOrEqual(1 + requestBudgets.key_package.perConnection.seconds / 4);
    // The committer of a circle of 20 adds the other 20 one commit each.
    expect(requestBudgets.commit.perConnection.points).toBeGreaterThanOrEqual(20);
    // In a circle of 21: 40 resumes and 210 views of videos while everyone arrives.
    expect(requestBudgets.consumer.perConnection.points).toBeGreaterThanOrEqual(250);
    // A join and its two transports, two connects, two producers and ready, twice (a rejoin).
    expect(requestBudgets.transport.perConnection.points).toBeGreaterThanOrEqual(14);
  });
});
