package org.mailferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.mailferry.queue.Disk;
import org.mailferry.queue.DurableFile;
import org.mailferry.submission.Drop;

/**
 * Hands a message to Mailferry so that nothing is lost: to the daemon over SPOOL/public/submit.sock
 * (it answers only after its fsync), or, when no daemon answers, as a file in SPOOL/maildrop written
 * under a temporary name, fsynced and renamed, for the daemon's pickup. If the daemon fails after
 * the connection was made, is busy ("temp": its connection limits, or its spool cannot take the
 * message now) or does not answer in time ({@link SocketTimer}), the message goes to the maildrop
 * as well: at worst delivered twice, never lost, and the caller never hangs. With
 * MAILFERRY_SUBMIT_SOCKET=off (set by the native client when the daemon was busy or silent) the
 * socket is not tried again.
 */
final class Handover {
    /** How the message was handed over: "queued as ID" or "maildrop NAME". */
    record Result(String where) {
    }

    /** The daemon refused the message for good (too big, bad address). */
    static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private final Path spool;

    Handover(Path spool) {
        this.spool = spool;
    }

    Path socket() {
        return spool.resolve("public").resolve("submit.sock");
    }

    Result submit(Drop drop, boolean verbose) throws IOException, RefusedException {
        byte[] frame = drop.encode();
        Path sock = socket();
        if (!"off".equals(System.getenv("MAILFERRY_SUBMIT_SOCKET")) && Files.exists(sock)) {
            try {
                String reply = request(sock, "SUBMIT", frame);
                if (reply.startsWith("ok ")) {
                    return new Result("queued as " + reply.substring(3));
                }
                if (reply.startsWith("fail ")) {
                    throw new RefusedException(reply.substring(5));
                }
                throw new SocketFailure(reply.startsWith("temp ") ? "the daemon cannot take it now: "
                        + reply.substring(5) : "unexpected answer from the daemon: " + reply);
            } catch (SocketFailure e) {
                if (verbose) {
                    System.err.println("sendmail: daemon not reachable (" + e.getMessage() + "); using the maildrop");
                }
            }
        }
        return new Result("maildrop " + writeMaildrop(frame));
    }

    /** The socket could not be used; the message may go to the maildrop instead. */
    static final class SocketFailure extends Exception {
        SocketFailure(String message) {
            super(message);
        }
    }

    /**
     * Sends one request; returns the daemon's first answer line (or all of it for LIST). The daemon
     * has {@link SocketTimer}'s time to take the connection and, after that, for each step.
     */
    static String request(Path sock, String verb, byte[] payload) throws SocketFailure {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new SocketFailure(e.toString());
        }
        SocketTimer timer = new SocketTimer(ch);
        try (ch; timer) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            timer.progress();
            byte[] head = (verb + "\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer[] bufs = {ByteBuffer.wrap(head), ByteBuffer.wrap(payload == null ? new byte[0] : payload)};
            while (bufs[1].hasRemaining() || bufs[0].hasRemaining()) {
                ch.write(bufs);
                timer.progress();
            }
            ch.shutdownOutput();
            InputStream in = Channels.newInputStream(ch);
            ByteArrayOutputStream reply = new ByteArrayOutputStream(64);
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) >= 0; ) {
                reply.write(chunk, 0, n);
                timer.progress();
            }
            String s = reply.toString(StandardCharsets.UTF_8);
            if (s.isEmpty()) {
                throw new SocketFailure("the daemon closed the connection without an answer");
            }
            return verb.equals("LIST") ? s : s.strip();
        } catch (IOException e) {
            if (timer.fired()) {
                throw new SocketFailure("the daemon did not answer in time (MAILFERRY_SUBMIT_TIMEOUT; "
                        + "default " + (int) SocketTimer.CONNECT_SECONDS + " s to connect, "
                        + (int) SocketTimer.ANSWER_SECONDS + " s to answer)");
            }
            throw new SocketFailure(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Unguessable bytes (a file name nobody else can guess), without the cost of SecureRandom's setup. */
    private static byte[] random(int n) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("/dev/urandom"))) {
            return in.readNBytes(n);
        } catch (IOException e) {
            byte[] b = new byte[n];
            new SecureRandom().nextBytes(b);
            return b;
        }
    }

    private String writeMaildrop(byte[] frame) throws IOException {
        Path dir = Drop.maildrop(spool); // in a checkout, made 1733 as the installed one
        byte[] random = random(12);
        String name = Long.toString(System.currentTimeMillis(), 36) + "." + HexFormat.of().formatHex(random);
        // mode 0444 as Postfix's postdrop: the daemon can read it; nobody can list the directory to
        // find it; a 1733 maildrop cannot be opened by users, so only the file itself is fsynced then
        DurableFile.write(Disk.system(), dir.resolve("." + name), dir.resolve(name), frame, "r--r--r--",
                DurableFile.DirectorySync.NOW_IF_PERMITTED);
        return name;
    }
}
