import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local user's flood of the submit socket (SubmitFloodTest runs it as an unprivileged user with
 * java Flood.java): for SECONDS, keeps BIG connections that send a SUBMIT declaring a 9 MB body,
 * send all but its last byte and stall; SEND connections that announce a 4 MB message, send all
 * but its last byte and stall; IDLE connections that say nothing; and SLOW connections that send
 * one byte a second. Every connection the daemon closes or refuses is opened again. Prints counts.
 *   java Flood.java SOCKET CONFIG SECONDS BIG SEND IDLE SLOW
 */
public class Flood {
    static final AtomicLong opened = new AtomicLong(), refused = new AtomicLong(), bytes = new AtomicLong();
    static final List<SocketChannel> all = new CopyOnWriteArrayList<>();

    public static void main(String[] a) throws Exception {
        Path sock = Path.of(a[0]);
        String config = a[1];
        long end = System.nanoTime() + Long.parseLong(a[2]) * 1_000_000_000L;
        int[] counts = {Integer.parseInt(a[3]), Integer.parseInt(a[4]), Integer.parseInt(a[5]), Integer.parseInt(a[6])};
        byte[] toml = Files.readAllBytes(Path.of(config));
        String spool = sock.getParent().getParent().toString();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int kind = 0; kind < 4; kind++) {
            for (int i = 0; i < counts[kind]; i++) {
                int k = kind;
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            one(k, sock, config, toml, spool, end);
                        } catch (Exception e) {
                            // closed or refused: again
                        }
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
        }
        while (System.nanoTime() < end) {
            Thread.sleep(200);
        }
        System.out.println("opened " + opened + " refused " + refused + " bytes " + bytes);
        System.exit(0);
    }

    static void one(int kind, Path sock, String config, byte[] toml, String spool, long end) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            opened.incrementAndGet();
            all.add(ch);
            try {
                switch (kind) {
                    case 0 -> {
                        String head = "SUBMIT\nmailferry-drop 1\nsender eve@origin.test\nrcpt bob@example.com\n"
                                + "notify \nret \nenvid \nbody 9000000\n";
                        write(ch, head.getBytes(StandardCharsets.US_ASCII));
                        byte[] chunk = ("x".repeat(998) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                        for (int sent = 0; sent + chunk.length < 9_000_000; sent += chunk.length) {
                            write(ch, chunk);
                        }
                        hold(ch, end);
                    }
                    case 1 -> {
                        StringBuilder req = new StringBuilder("SEND\n");
                        field(req, "arg", "bob@example.com");
                        field(req, "config", config);
                        req.append("toml ").append(toml.length).append('\n').append(new String(toml, StandardCharsets.ISO_8859_1));
                        field(req, "spool", spool);
                        field(req, "zone", "0");
                        req.append('\n');
                        write(ch, req.toString().getBytes(StandardCharsets.ISO_8859_1));
                        InputStream in = Channels.newInputStream(ch);
                        byte[] answer = new byte[8];
                        int n = in.readNBytes(answer, 0, 8);
                        String s = new String(answer, 0, n, StandardCharsets.US_ASCII);
                        if (!s.startsWith("input")) {
                            refused.incrementAndGet();
                            return;
                        }
                        write(ch, ("input " + 4_000_000 + "\nSubject: flood\n\n").getBytes(StandardCharsets.US_ASCII));
                        byte[] chunk = ("y".repeat(998) + "\n").getBytes(StandardCharsets.US_ASCII);
                        for (int sent = 0; sent + chunk.length < 3_990_000; sent += chunk.length) {
                            write(ch, chunk);
                        }
                        hold(ch, end);
                    }
                    case 2 -> hold(ch, end);
                    default -> {
                        ByteBuffer one = ByteBuffer.allocate(1);
                        write(ch, "SUBMIT\n".getBytes(StandardCharsets.US_ASCII));
                        while (System.nanoTime() < end) {
                            one.clear().put((byte) 'm').flip();
                            ch.write(one);
                            Thread.sleep(1000);
                        }
                    }
                }
            } finally {
                all.remove(ch);
            }
        }
    }

    static void field(StringBuilder b, String name, String value) {
        b.append(name).append(' ').append(value.getBytes(StandardCharsets.UTF_8).length).append('\n').append(value);
    }

    static void write(SocketChannel ch, byte[] b) throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        bytes.addAndGet(b.length);
    }

    /** Keeps the connection without a word until the end; a temp answer or a close counts as refused. */
    static void hold(SocketChannel ch, long end) throws Exception {
        ch.configureBlocking(false);
        ByteBuffer b = ByteBuffer.allocate(256);
        while (System.nanoTime() < end) {
            int n = ch.read(b);
            if (n < 0 || (b.position() >= 4 && new String(b.array(), 0, 4, StandardCharsets.US_ASCII).equals("temp"))) {
                refused.incrementAndGet();
                return;
            }
            Thread.sleep(100);
        }
    }
}
