package dev.storageinit.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 between the SDK and s3proxy that can misbehave: cut a connection after it has carried
 * N response bytes, or answer the first requests itself with a canned HTTP error. It records the head of every
 * request it forwards, so tests can check the exact requests the provider sent.
 */
final class FaultProxy implements AutoCloseable {
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
    private volatile boolean stallInsteadOfCut;
    private final AtomicInteger cutsDone = new AtomicInteger();

    /** Requests still to answer with {@link #cannedResponse}. */
    private final AtomicInteger cannedLeft = new AtomicInteger();
    private volatile String cannedResponse;
    private volatile Predicate<String> cannedFor = head -> true;

    FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** Cuts the next {@code connections} connections once each has carried {@code bytes} response bytes. */
    void cutAfter(long bytes, int connections) {
        cutAfter = bytes;
        stallInsteadOfCut = false;
        cutsLeft.set(connections);
    }

    /** Stops forwarding on the next {@code connections} connections after {@code bytes} response bytes, socket open. */
    void stallAfter(long bytes, int connections) {
        cutAfter = bytes;
        stallInsteadOfCut = true;
        cutsLeft.set(connections);
    }

    int cutsDone() {
        return cutsDone.get();
    }

    /** Answers the next {@code times} requests with {@code status} and an S3 error body, without forwarding them. */
    void failNext(int times, int status, String reason, String code) {
        failNext(times, status, reason, code, head -> true);
    }

    /** As {@link #failNext(int, int, String, String)}, for object reads only (not listings or HEADs). */
    void failNextReads(int times, int status, String reason, String code) {
        failNext(times, status, reason, code, head -> head.startsWith("GET ") && !head.contains("list-type=2"));
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
    List<String> requestHeads() {
        return List.copyOf(requestHeads);
    }

    void clear() {
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

    private void serve(Socket client) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            sockets.add(upstream);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            boolean cutThis = cutsLeft.getAndDecrement() > 0;
            long limit = cutThis ? cutAfter : Long.MAX_VALUE;
            threads.execute(() -> pumpRequests(client, upstream));
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buf = new byte[16 << 10];
            long sent = 0;
            while (true) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, limit - sent)));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                sent += n;
                if (sent >= limit) {
                    out.flush();
                    cutsDone.incrementAndGet();
                    if (stallInsteadOfCut) {
                        try {
                            Thread.sleep(30_000); // the client's read timeout fires first and it closes the socket
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return;
                    }
                    client.setSoLinger(true, 0); // RST: the client sees a broken connection mid-body
                    return;
                }
            }
        } catch (IOException e) {
            // one side went away
        }
    }

    /** Client to upstream: records each request head; answers it with the canned error instead when asked to. */
    private void pumpRequests(Socket client, Socket upstream) {
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
                        if (cannedFor.test(h) && cannedLeft.getAndDecrement() > 0) {
                            OutputStream out = client.getOutputStream();
                            out.write(cannedResponse.getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            client.close();
                            upstream.close();
                            return;
                        }
                        up.write(h.getBytes(StandardCharsets.ISO_8859_1));
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
