package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@link Destination} is shared by its sender's threads, the ACK reader, the watch in {@link Deliveries} and the
 * spool: a field there that is neither final nor volatile is read by one of them without the lock that guards it
 * (issue 19: {@code Sender} read the stream identity the spool changes under its lock).
 */
class DestinationTest {

    @Test
    void holdsNothingMutableThatIsNotVolatile() {
        List<String> unguarded = new ArrayList<>();
        for (Field f : Destination.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) && !Modifier.isFinal(m) && !Modifier.isVolatile(m)) {
                unguarded.add(f.getName());
            }
        }
        assertEquals(List.of(), unguarded, "fields of Destination other threads read without the spool's lock");
    }
}
