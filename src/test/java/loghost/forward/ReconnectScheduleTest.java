package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's reconnect waits (issue 22, a fleet coming back after a loghost restart): within their bounds,
 * capped at 10 s (5 s while lines wait), and spread, so that 10,000 forwarders that lost the same loghost in the
 * same millisecond do not come back in the same one. Draws come from seeded {@link Random}s: each run is the same.
 */
class ReconnectScheduleTest {

    private static final long FLOOR = 100;

    @Test
    void everyWaitLiesBetweenTheFloorAndTheCeilingOfItsRound() {
        for (boolean pending : new boolean[] {false, true}) {
            for (long seed = 0; seed < 200; seed++) {
                ReconnectSchedule s = new ReconnectSchedule(new Random(seed));
                for (int round = 0; round < 40; round++) {
                    long ms = s.next(pending).toMillis();
                    long ceiling = ReconnectSchedule.ceiling(round, pending).toMillis();
                    assertTrue(ms >= FLOOR && ms <= ceiling, "round " + round + ": " + ms + " ms, ceiling " + ceiling);
                }
            }
        }
    }

    @Test
    void ceilingDoublesFromOneSecondToTenOrFiveWhileLinesWait() {
        List<Long> idle = new ArrayList<>();
        List<Long> pending = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            idle.add(ReconnectSchedule.ceiling(round, false).toMillis());
            pending.add(ReconnectSchedule.ceiling(round, true).toMillis());
        }
        assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 10000L, 10000L, 10000L, 10000L), idle);
        assertEquals(List.of(1000L, 2000L, 4000L, 5000L, 5000L, 5000L, 5000L, 5000L), pending);
        assertEquals(Duration.ofSeconds(10), ReconnectSchedule.ceiling(Integer.MAX_VALUE, false));
    }

    @Test
    void aWaitAfterProgressIsDrawnFromTheFirstWindowAgain() {
        ReconnectSchedule s = new ReconnectSchedule(new Random(7));
        for (int round = 0; round < 10; round++) {
            s.next(false);
        }
        for (int i = 0; i < 100; i++) {
            s.reset();
            assertTrue(s.next(false).toMillis() <= 1000);
        }
    }

    @Test
    void tenThousandForwardersLosingTheirLoghostTogetherRetryOverTheWholeFirstSecond() {
        int fleet = 10_000;
        int[] perTenthOfASecond = new int[10];
        long[] sameMillisecond = new long[1001];
        for (int i = 0; i < fleet; i++) {
            long ms = new ReconnectSchedule(new Random(i * 7919L)).next(false).toMillis();
            perTenthOfASecond[(int) Math.min(ms / 100, 9)]++;
            sameMillisecond[(int) ms]++;
        }
        // [0.1 s, 1 s] uniformly: none before the floor, about 1,111 in each tenth after it.
        assertEquals(0, perTenthOfASecond[0]);
        for (int tenth = 1; tenth < 10; tenth++) {
            assertTrue(perTenthOfASecond[tenth] > 900 && perTenthOfASecond[tenth] < 1350,
                    "tenth " + tenth + ": " + perTenthOfASecond[tenth]);
        }
        long most = java.util.Arrays.stream(sameMillisecond).max().orElseThrow();
        assertTrue(most < 40, most + " forwarders in one millisecond (about 11 expected)");
    }

    @Test
    void aLongOutageKeepsTheFleetSpreadOverTheWholeCap() {
        int fleet = 2_000;
        int[] perSecond = new int[10];
        for (int i = 0; i < fleet; i++) {
            ReconnectSchedule s = new ReconnectSchedule(new Random(i));
            long ms = 0;
            for (int round = 0; round < 12; round++) {
                ms = s.next(false).toMillis();
            }
            perSecond[(int) Math.min(ms / 1000, 9)]++;
        }
        for (int second = 0; second < 10; second++) {
            assertTrue(perSecond[second] > 120 && perSecond[second] < 290, "second " + second + ": " + perSecond[second]);
        }
    }
}
