import { expect, it } from 'vitest';
import { Slots } from '../../src/slots.js';

it('holds at most max at once and passes a released slot to the oldest waiter', async () => {
  const slots = new Slots(2);
  const order: string[] = [];
  await slots.acquire();
  await slots.acquire();
  const third = slots.acquire().then(() => order.push('third'));
  const fourth = slots.acquire().then(() => order.push('fourth'));
  expect([slots.active, slots.waiting]).toEqual([2, 2]);
  slots.release();
  await third;
  expect(order).toEqual(['third']);
  expect([slots.active, slots.waiting]).toEqual([2, 1]);
  slots.release();
  await fourth;
  slots.release();
  slots.release();
  expect([slots.active, slots.waiting, order]).toEqual([0, 0, ['third', 'fourth']]);
});
