package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one wait factor CI sets, and a wait that fails naming what it waited for. */
class AwaitTest {

    @Test
    void theScaleIsOnePositiveNumberAndAnythingElseIsRefused() {
        assertEquals(1, Await.scale(null));
        assertEquals(1, Await.scale(" "));
        assertEquals(2.5, Await.scale("2.5"));
        for (String bad : new String[] {"0", "-1", "NaN", "Infinity", "three"}) {
            assertThrows(IllegalArgumentException.class, () -> Await.scale(bad), bad);
        }
    }

    @Test
    void aWaitThatIsNotMetFailsWithWhatItWaitedForAndTheLastValue() {
        AssertionError e = assertThrows(AssertionError.class, () -> Await.until(Duration.ofMillis(50),
                () -> "the answer", () -> 41, v -> v == 42));
        assertTrue(e.getMessage().contains("for the answer; last: 41"), e.getMessage());
    }
}
