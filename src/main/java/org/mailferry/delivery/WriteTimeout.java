package org.mailferry.delivery;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A socket output stream whose every write must complete within a time limit. Java sockets have
 * no write timeout: a smarthost that stops reading in the middle of DATA would otherwise block a
 * delivery worker forever once the TCP window fills. When the limit passes, the socket is closed
 * and the write fails with a {@link SocketTimeoutException} (classified as a temporary failure).
 */
final class WriteTimeout extends FilterOutputStream {
    private static final ScheduledThreadPoolExecutor WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "smtp-write-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    private final Socket socket;
    private final long millis;
    private volatile boolean fired;

    WriteTimeout(OutputStream out, Socket socket, long millis) {
        super(out);
        this.socket = socket;
        this.millis = millis;
    }

    private void fire() {
        fired = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all we can do
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> watch = WATCHDOG.schedule(this::fire, millis, TimeUnit.MILLISECONDS);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw fired ? new SocketTimeoutException("write not completed within " + millis + " ms") : e;
        } finally {
            watch.cancel(false);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw fired ? new SocketTimeoutException("write not completed within " + millis + " ms") : e;
        }
    }
}
