package org.mailferry.delivery;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A socket input stream with a deadline for a whole reply or transaction, not per read: before each
 * read, SO_TIMEOUT is set to the time left, so a server trickling one byte a second cannot stretch
 * a reply past its limit (SO_TIMEOUT alone restarts at every byte). Once a reply's first bytes have
 * come, the rest must follow within the transfer limit (a server writes a reply in one go; only a
 * trickler takes seconds from its first byte to its last). Past a deadline a read fails with
 * {@link Deadline.TooSlow} naming the limit; a reply deadline that passes with not one byte read is
 * a plain {@link SocketTimeoutException} ("timeout": a silent server, as before).
 */
final class DeadlineInput extends FilterInputStream {
    private static final long NONE = Long.MAX_VALUE;
    private final Socket socket;
    private final long transferMillis;
    private final String relay;
    private long deadlineNanos = NONE;
    private String what = "";
    private long millis;
    private boolean begun;
    private boolean silenceTooSlow;

    /**
     * @param transferMillis how long a reply may take from its first bytes to its end
     * @param relay          the server, "host[address]:port", for the messages
     */
    DeadlineInput(InputStream in, Socket socket, long transferMillis, String relay) {
        super(in);
        this.socket = socket;
        this.transferMillis = transferMillis;
        this.relay = relay;
    }

    /**
     * Reads from now on must end by {@code deadlineNanos} ({@link System#nanoTime()}; {@code
     * Long.MAX_VALUE}: no deadline); {@code what} and {@code millis} name the limit; {@code
     * silenceTooSlow}: too slow even when not a byte came (a transaction's limit).
     */
    void until(long deadlineNanos, String what, long millis, boolean silenceTooSlow) {
        this.deadlineNanos = deadlineNanos;
        this.what = what;
        this.millis = millis;
        this.begun = false;
        this.silenceTooSlow = silenceTooSlow;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (deadlineNanos != NONE) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw expired();
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000L)));
        }
        try {
            int n = in.read(b, off, len);
            if (n > 0 && !begun && deadlineNanos != NONE) {
                begun = true;
                long transferEnd = System.nanoTime() + transferMillis * 1_000_000L;
                if (transferEnd - deadlineNanos < 0) {
                    deadlineNanos = transferEnd;
                    what = "reply from " + relay + " once begun";
                    millis = transferMillis;
                }
            }
            return n;
        } catch (SocketTimeoutException e) {
            throw deadlineNanos != NONE && System.nanoTime() - deadlineNanos >= -1_000_000L ? expired() : e;
        }
    }

    private SocketTimeoutException expired() {
        return !begun && !silenceTooSlow ? new SocketTimeoutException("timeout") : Deadline.tooSlow(what, millis);
    }
}
