import { describe, expect, it } from 'vitest';
import { ProfileWindow } from './profile-window';

const batch = (inferMs: number) => ({ texts: 10, paddedTokens: 640, realTokens: 500, inferMs });

describe(ProfileWindow.name, () => {
  describe('snapshot', () => {
    it('reads a half-busy slot as half busy when the oldest slot of the ring has partly expired', () => {
      // A 500 ms batch finishing every second from 1 s to 65 s, read at 65 s: the ring still holds
      // the slot 0–10 s, of which only 5–10 s is in the window. Busy time counts only the batches
      // that finished in the last 60 s: exactly half of it.
      let now = 0;
      const sut = new ProfileWindow({ windowMs: 60_000, now: () => now });
      sut.slots = 1;
      for (let t = 1000; t <= 65_000; t += 1000) {
        now = t;
        sut.addBatch(batch(500));
      }
      const snap = sut.snapshot({ source: 'w1', role: 'worker' });
      expect(snap.windowMs).toBe(60_000);
      expect(snap.device.busyMs / snap.windowMs).toBeCloseTo(0.5, 9);
    });

    it('reads a saturated slot as fully busy when the window starts mid-batch (the straddling batch counts, the running one not yet)', () => {
      // 4 s batches back to back on one slot from the start; read at 62.5 s.
      let now = 0;
      const sut = new ProfileWindow({ windowMs: 60_000, now: () => now });
      sut.slots = 1;
      for (let t = 4000; t <= 62_000; t += 4000) {
        now = t;
        sut.addBatch(batch(4000));
      }
      now = 62_500;
      const snap = sut.snapshot({ source: 'w1', role: 'worker' });
      // Finished in (2.5 s, 62.5 s]: the batches ending at 4 s … 60 s.
      expect(snap.device.busyMs).toBe(60_000);
      expect(snap.device.busyMs / snap.windowMs).toBe(1);
    });

    it('reads a slot busy since the model loaded as fully busy, in a long window with coarse buckets', () => {
      let now = 0;
      const sut = new ProfileWindow({ windowMs: 3_600_000, now: () => now });
      now = 90_000; // mid-bucket (buckets are a minute wide here)
      sut.markStart();
      for (now = 90_500; now <= 100_000; now += 500) sut.addBatch(batch(500));
      now = 100_000;
      const snap = sut.snapshot({ source: 'cli', role: 'cli' });
      expect(snap.windowMs).toBe(10_000);
      expect(snap.device.busyMs).toBe(10_000);
    });

    it('does not count busy time from before the window started (model loading)', () => {
      let now = 10_000;
      const sut = new ProfileWindow({ windowMs: 60_000, now: () => now });
      now = 10_900;
      sut.addBatch(batch(300)); // warm-up before the model was marked loaded
      now = 11_000;
      sut.markStart();
      now = 11_900;
      sut.addBatch(batch(400));
      const snap = sut.snapshot({ source: 'w1', role: 'worker' });
      expect(snap.windowMs).toBe(900);
      expect(snap.device.busyMs).toBe(400);
      expect(snap.batches.count).toBe(2);
    });
  });
});
