package loghost.forward;

import java.net.InetSocketAddress;
import loghost.config.SettingsLoader;

/**
 * One loghost a spool is delivered to: where it is, and two flags its sender sets for the watch in
 * {@link Deliveries}. Shared by several threads, so it holds nothing mutable but volatile flags: the stream it is
 * delivered as and how far it acknowledged are the spool's ({@link DestinationState}), read through the spool.
 */
final class Destination {

    private final String host;
    private final int port;
    /** True when its sender's last attempt failed before or after WELCOME; false once a WELCOME is read. */
    volatile boolean unreachable;
    /** True once this loghost refused a HELLO asking for receipts (an older version): none are asked for again. */
    volatile boolean receiptsUnsupported;
    /** True once this loghost refused a HELLO sending event times (an older version): lines go without them. */
    volatile boolean timesUnsupported;

    private Destination(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** A destination written as {@code HOST:PORT} or {@code [IPV6]:PORT}. */
    static Destination parse(String hostPort) {
        InetSocketAddress a = SettingsLoader.parseListen("--to", hostPort);
        return new Destination(a.getHostString(), a.getPort());
    }

    /** The host name or address to connect to. */
    String host() {
        return host;
    }

    /** The port to connect to. */
    int port() {
        return port;
    }

    /** Its name in logs and in the spool state: {@code HOST:PORT}, an IPv6 address in brackets. */
    String name() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return name();
    }
}
