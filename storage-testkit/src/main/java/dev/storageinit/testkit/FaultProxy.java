package dev.storageinit.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A TCP proxy on 127.0.0.1 between a provider and its store's server (s3proxy, Azurite, the GCS fixture, an HTTP
 * file server) that can misbehave: cut a connection after it has carried N response bytes, stall the body of a
 * ranged read mid-way, answer the first requests itself with a canned HTTP error, drop range headers, or flip one
 * bit in the bodies of ranged reads. It records the head of every request it forwards, so tests can check the exact
 * requests the provider sent.
 */
public final class FaultProxy implements Faults, AutoCloseable {
    /** How long a stalled body stays silent: longer than any read timeout a test sets, shorter than a test's patience. */
    static final long STALL_MILLIS = 30_000;

    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** Connections still to cut, and after how many response bytes. */
    private final AtomicInteger cutsLeft = new AtomicInteger();

    private volatile long cutAfter = Long.MAX_VALUE;
    private final AtomicInteger cutsDone = new AtomicInteger();

    /** Ranged reads still to stall, and after how many response bytes. */
    private final AtomicInteger stallsLeft = new AtomicInteger();

    private volatile long stallAfter;
    private final AtomicInteger stallsDone = new AtomicInteger();

    /** Requests still to answer with {@link #cannedResponse}. */
    private final AtomicInteger cannedLeft = new AtomicInteger();

    private final AtomicInteger cannedSent = new AtomicInteger();
    private volatile String cannedResponse;
    private volatile Predicate<String> cannedFor = head -> true;

    /** Whether requests are forwarded without their Range header, as to a server that ignores it (200, whole body). */
    private volatile boolean dropRange;
    /** A request's range header: {@code Range}, or Azure's {@code x-ms-range}. */
    private static final Pattern RANGE_HEADER = Pattern.compile("(?im)^(x-ms-)?range:[^\r\n]*\r\n");

    private final AtomicInteger rangesDropped = new AtomicInteger();

    /** Ranged-read responses (206) still to corrupt, one random bit each; null random: responses are not parsed. */
    private final AtomicInteger flipsLeft = new AtomicInteger();

    private final AtomicInteger flipsDone = new AtomicInteger();
    private volatile Random flips;

    public FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** Cuts the next {@code connections} connections once each has carried {@code bytes} response bytes. */
    @Override
    public void cutAfter(long bytes, int connections) {
        cutAfter = bytes;
        cutsLeft.set(connections);
    }

    /**
     * Stops forwarding the answers to the next {@code reads} ranged GETs (a {@code Range} or {@code x-ms-range}
     * header) after {@code bytes} of each, the connection left open, for {@value #STALL_MILLIS} ms: the client's read
     * timeout has to end the wait.
     */
    @Override
    public void stallRangedReads(int reads, long bytes) {
        stallAfter = bytes;
        stallsLeft.set(reads);
    }

    @Override
    public int stallsDone() {
        return stallsDone.get();
    }

    /**
     * From now on, forwards requests without their {@code Range} (or Azure's {@code x-ms-range}) header: the server
     * answers 200 with the whole body.
     */
    public void ignoreRanges() {
        dropRange = true;
    }

    /** How many requests were answered with the canned error instead of being forwarded. */
    @Override
    public int cannedSent() {
        return cannedSent.get();
    }

    /** How many requests lost their range header to {@link #ignoreRanges()}. */
    public int rangesDropped() {
        return rangesDropped.get();
    }

    @Override
    public int cutsDone() {
        return cutsDone.get();
    }

    /**
     * Flips one bit, at a position drawn from {@code seed}, in the body of each of the next {@code responses}
     * responses to a ranged GET (206), on connections opened from now on.
     */
    public void flipBits(int responses, long seed) {
        flips = new Random(seed);
        flipsLeft.set(responses);
    }

    public int flipsDone() {
        return flipsDone.get();
    }

    /** Answers the next {@code times} requests with {@code status} and an S3 error body, without forwarding them. */
    public void failNext(int times, int status, String reason, String code) {
        failNext(times, status, reason, code, head -> true);
    }

    /** As {@link #failNext(int, int, String, String)}, for object reads only (not listings or HEADs). */
    public void failNextReads(int times, int status, String reason, String code) {
        failNext(times, status, reason, code, head -> head.startsWith("GET ") && !head.contains("list-type=2"));
    }

    /**
     * As {@link #failNext(int, int, String, String)}, for ranged reads only (GET requests carrying a {@code Range} or
     * {@code x-ms-range} header), whatever the store: its listings and metadata requests go through.
     */
    @Override
    public void failNextRangedReads(int times, int status, String reason) {
        failNext(times, status, reason, reason.replace(" ", ""), FaultProxy::isRangedGet);
    }

    private static boolean isRangedGet(String head) {
        return head.startsWith("GET ") && RANGE_HEADER.matcher(head).find();
    }

    private void failNext(int times, int status, String reason, String code, Predicate<String> which) {
        cannedFor = which;
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>injected "
                + code + "</Message><RequestId>fault</RequestId></Error>";
        cannedResponse = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        cannedLeft.set(times);
    }

    /** The request line and headers of every request seen, in order. */
    public List<String> requestHeads() {
        return List.copyOf(requestHeads);
    }

    public void clear() {
        requestHeads.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Response bytes a connection has carried, and where its current answer is to stall. */
    private static final class Carried {
        volatile long sent;
        volatile long stallAt = Long.MAX_VALUE;
    }

    private void serve(Socket client) {
        try (client;
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            sockets.add(upstream);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            boolean cutThis = cutsLeft.getAndDecrement() > 0;
            long cutAt = cutThis ? cutAfter : Long.MAX_VALUE;
            Queue<String> methods = flips == null ? null : new ConcurrentLinkedQueue<>();
            Carried carried = new Carried();
            threads.execute(() -> pumpRequests(client, upstream, methods, carried));
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            if (methods != null) {
                pumpFlippingResponses(new BufferedInputStream(in), new BufferedOutputStream(out), methods);
                return;
            }
            byte[] buf = new byte[16 << 10];
            long sent = 0;
            while (true) {
                long limit = Math.min(cutAt, carried.stallAt);
                int n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, limit - sent)));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                sent += n;
                carried.sent = sent;
                if (sent >= carried.stallAt) {
                    out.flush();
                    stallsDone.incrementAndGet();
                    try {
                        Thread.sleep(STALL_MILLIS); // the client's read timeout fires first and it closes the socket
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                if (sent >= cutAt) {
                    out.flush();
                    cutsDone.incrementAndGet();
                    client.setSoLinger(true, 0); // RST: the client sees a broken connection mid-body
                    return;
                }
            }
        } catch (IOException e) {
            // one side went away
        }
    }

    /**
     * Upstream to client, one response at a time (framed by Content-Length or chunked encoding, none for HEAD),
     * flipping a bit in the body of 206 responses while {@link #flipsLeft} lasts.
     */
    private void pumpFlippingResponses(InputStream in, OutputStream out, Queue<String> methods) throws IOException {
        while (true) {
            String head = readHead(in);
            if (head == null) {
                return;
            }
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            String method = methods.poll();
            int status = Integer.parseInt(head.substring(9, 12));
            String lower = head.toLowerCase(Locale.ROOT);
            if ("HEAD".equals(method) || status == 204 || status == 304) {
                out.flush();
            } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                copyChunked(in, out);
            } else {
                long length = contentLength(head);
                long flipAt = -1;
                int bit = 0;
                if (status == 206 && length > 0 && flipsLeft.getAndDecrement() > 0) {
                    synchronized (flips) {
                        flipAt = flips.nextLong(length);
                        bit = flips.nextInt(8);
                    }
                    flipsDone.incrementAndGet();
                }
                byte[] buf = new byte[16 << 10];
                for (long at = 0; at < length; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, length - at));
                    if (n < 0) {
                        throw new EOFException("upstream body ended early");
                    }
                    if (flipAt >= at && flipAt < at + n) {
                        buf[(int) (flipAt - at)] ^= (byte) (1 << bit);
                    }
                    out.write(buf, 0, n);
                    at += n;
                }
            }
            out.flush();
        }
    }

    /** A response or request head up to and including its empty line; null at a clean end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new EOFException("head ended early");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String line = copyLine(in, out);
            int size = Integer.parseInt(line.split(";", 2)[0].trim(), 16);
            if (size == 0) {
                while (!copyLine(in, out).isEmpty()) {
                    // trailers
                }
                return;
            }
            out.write(in.readNBytes(size + 2)); // the chunk and its CRLF
        }
    }

    /** Copies one CRLF-terminated line; returns it without the CRLF. */
    private static String copyLine(InputStream in, OutputStream out) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("chunked body ended early");
            }
            out.write(b);
            if (b != '\r') {
                line.append((char) b);
            }
        }
        out.write(b);
        return line.toString();
    }

    /**
     * Client to upstream: records each request head; answers it with the canned error instead when asked to; marks
     * where the answer to a ranged GET is to stall.
     */
    private void pumpRequests(Socket client, Socket upstream, Queue<String> methods, Carried carried) {
        try {
            InputStream in = client.getInputStream();
            OutputStream up = upstream.getOutputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            boolean inHead = true;
            byte[] buf = new byte[16 << 10];
            long bodyLeft = 0;
            while (true) {
                if (inHead) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    head.write(b);
                    matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4) {
                        String h = head.toString(StandardCharsets.ISO_8859_1);
                        head.reset();
                        matched = 0;
                        requestHeads.add(h);
                        if (methods != null) {
                            methods.add(h.substring(0, h.indexOf(' ')));
                        }
                        if (cannedFor.test(h) && cannedLeft.getAndDecrement() > 0) {
                            cannedSent.incrementAndGet();
                            OutputStream out = client.getOutputStream();
                            out.write(cannedResponse.getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            client.close();
                            upstream.close();
                            return;
                        }
                        if (isRangedGet(h) && stallsLeft.getAndDecrement() > 0) {
                            carried.stallAt = carried.sent + stallAfter; // HTTP/1.1: earlier answers are complete
                        }
                        String forwarded = dropRange ? RANGE_HEADER.matcher(h).replaceAll("") : h;
                        if (!forwarded.equals(h)) {
                            rangesDropped.incrementAndGet();
                        }
                        up.write(forwarded.getBytes(StandardCharsets.ISO_8859_1));
                        up.flush();
                        bodyLeft = contentLength(h);
                        inHead = bodyLeft == 0;
                    }
                } else {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, bodyLeft));
                    if (n < 0) {
                        break;
                    }
                    up.write(buf, 0, n);
                    bodyLeft -= n;
                    if (bodyLeft == 0) {
                        up.flush();
                        inHead = true;
                    }
                }
            }
            upstream.shutdownOutput();
        } catch (SocketException e) {
            // closed
        } catch (IOException e) {
            // closed
        }
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
