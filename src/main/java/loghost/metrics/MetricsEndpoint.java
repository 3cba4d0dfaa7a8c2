package loghost.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus scrape endpoint ({@code GET /metrics}, text format), on its own address. Plain HTTP without
 * authentication: meant for loopback or a management network, since the metrics name every enrolled host.
 *
 * <p>A small HTTP/1.0-style server of its own (one request per connection), because the JDK's HTTP server reads
 * request headers on its worker threads without a time limit: a few clients trickling one header byte a second
 * held every worker and no scrape was answered. Here a request must arrive whole within {@link #REQUEST_TIME}
 * and a response be taken within {@link #RESPONSE_TIME}, and at most {@link #MAX_CONNECTIONS} connections are
 * open: a new one beyond that closes the oldest that is still sending its request, so a scrape whose request
 * comes at once is answered however many slow clients there are.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    /** Time a client has to send its whole request (line and headers) after connecting. */
    static final Duration REQUEST_TIME = Duration.ofSeconds(5);
    /** Time a client has to take the response. */
    static final Duration RESPONSE_TIME = Duration.ofSeconds(30);
    /** Connections open at once, at most. */
    static final int MAX_CONNECTIONS = 16;
    /** Request line and headers, at most. */
    static final int MAX_REQUEST_BYTES = 8192;

    private final ServerSocket socket;
    private final InetSocketAddress address;
    private final ServerMetrics metrics;
    private final PrometheusTextFormatWriter format = PrometheusTextFormatWriter.create();
    private final ScheduledExecutorService deadlines;
    private final Thread acceptor;
    // Open connections, oldest first; guarded by itself.
    private final Set<Connection> open = new LinkedHashSet<>();
    private volatile boolean closed;

    /** One client connection, and whether it is still sending its request. */
    private static final class Connection {
        final Socket socket;
        volatile boolean reading = true;

        Connection(Socket socket) {
            this.socket = socket;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is all that was wanted; the handler sees its socket fail either way
            }
        }
    }

    private MetricsEndpoint(ServerSocket socket, InetSocketAddress address, ServerMetrics metrics) {
        this.socket = socket;
        this.address = address;
        this.metrics = metrics;
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "loghost-metrics-deadlines"));
        this.acceptor = daemon(this::accept, "loghost-metrics-accept");
        this.acceptor.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Serves {@code metrics} on {@code listen}; warns when that is not a loopback address. */
    public static MetricsEndpoint start(InetSocketAddress listen, ServerMetrics metrics) throws IOException {
        String where = listen.getHostString() + ":" + listen.getPort();
        if (listen.isUnresolved()) {
            throw new IOException("cannot serve metrics on " + where + ": unknown host");
        }
        if (!listen.getAddress().isLoopbackAddress()) {
            LOG.warn("metrics-not-loopback listen={}: anyone who can reach it sees every host name and its traffic;"
                    + " prefer 127.0.0.1 or a firewalled management address", where);
        }
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(listen, 64);
        } catch (IOException e) {
            server.close();
            // "Address already in use" alone does not say which address.
            throw new IOException("cannot serve metrics on " + where + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = new InetSocketAddress(listen.getAddress(), server.getLocalPort());
        LOG.info("metrics-listening url=http://{}/metrics", hostPort(bound));
        return new MetricsEndpoint(server, bound, metrics);
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("metrics-accept-failed reason=\"{}\"", e.getMessage());
                    pause(); // out of file descriptors, say: not a busy loop meanwhile
                }
                continue;
            }
            Connection c = new Connection(s);
            Connection evicted = null;
            boolean admitted = true;
            synchronized (open) {
                if (open.size() >= MAX_CONNECTIONS) {
                    evicted = open.stream().filter(o -> o.reading).findFirst().orElse(null);
                    if (evicted != null) {
                        open.remove(evicted);
                    } else {
                        admitted = false; // every slot is sending a response: they end within RESPONSE_TIME
                    }
                }
                if (admitted) {
                    open.add(c);
                }
            }
            if (evicted != null) {
                evicted.close();
            }
            if (!admitted) {
                c.close();
                continue;
            }
            try {
                deadlines.schedule(() -> {
                    if (c.reading) {
                        c.close();
                    }
                }, REQUEST_TIME.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                c.close(); // close() ran meanwhile
                continue;
            }
            daemon(() -> serve(c), "loghost-metrics").start();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(Connection c) {
        try (Socket s = c.socket) {
            String request = readRequest(s.getInputStream());
            c.reading = false;
            deadlines.schedule(c::close, RESPONSE_TIME.toMillis(), TimeUnit.MILLISECONDS);
            respond(request, s.getOutputStream());
        } catch (IOException | RejectedExecutionException e) {
            // Too slow, too long, evicted, or gone (or the endpoint stopping): there is nobody to answer.
        } finally {
            c.reading = false;
            synchronized (open) {
                open.remove(c);
            }
        }
    }

    // The request line; the headers are read up to the empty line that ends them and not used.
    private static String readRequest(InputStream in) throws IOException {
        byte[] buf = new byte[MAX_REQUEST_BYTES];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                throw new IOException("request over " + MAX_REQUEST_BYTES + " bytes");
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("request ended early");
            }
            // Only a new byte can end the empty line (LF LF, or LF CR LF): an old one was looked at already.
            for (int i = Math.max(1, n); i < n + r; i++) {
                if (buf[i] == '\n' && (buf[i - 1] == '\n' || (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n'))) {
                    String text = new String(buf, 0, i, StandardCharsets.ISO_8859_1);
                    return text.substring(0, text.indexOf('\n')).strip();
                }
            }
            n += r;
        }
    }

    private void respond(String requestLine, OutputStream out) throws IOException {
        String[] w = requestLine.split(" ");
        boolean head = w[0].equals("HEAD");
        String path = w.length > 1 ? w[1] : "";
        int q = path.indexOf('?');
        path = q < 0 ? path : path.substring(0, q);
        if (!head && !w[0].equals("GET")) {
            send(out, "405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n".getBytes(
                    StandardCharsets.US_ASCII), false);
        } else if (!path.equals("/metrics")) {
            send(out, "404 Not Found", "text/plain; charset=utf-8", "see /metrics\n".getBytes(
                    StandardCharsets.US_ASCII), head);
        } else {
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            format.write(body, metrics.registry().scrape());
            send(out, "200 OK", format.getContentType(), body.toByteArray(), head);
        }
    }

    private static void send(OutputStream out, String status, String type, byte[] body, boolean head)
            throws IOException {
        String headers = "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(headers.getBytes(StandardCharsets.US_ASCII));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    /** The address served, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /** The scrape URL, for the operator. */
    public String url() {
        return "http://" + hostPort(address) + "/metrics";
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Stops serving. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.warn("metrics-close-failed reason=\"{}\"", e.getMessage());
        }
        synchronized (open) {
            open.forEach(Connection::close);
            open.clear();
        }
        deadlines.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
