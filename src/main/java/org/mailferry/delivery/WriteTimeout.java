package org.mailferry.delivery;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A socket output stream whose every write must complete within a time limit. Java sockets have
 * no write timeout: a smarthost that stops reading in the middle of DATA would otherwise block a
 * delivery worker forever once the TCP window fills. When the limit passes, the socket is closed
 * ({@link Deadline}) and the write fails with a {@link SocketTimeoutException} (a temporary failure).
 */
final class WriteTimeout extends FilterOutputStream {
    private final Socket socket;
    private final long millis;
    private volatile boolean fired;

    WriteTimeout(OutputStream out, Socket socket, long millis) {
        super(out);
        this.socket = socket;
        this.millis = millis;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try (Deadline d = Deadline.arm(socket, millis, "write")) {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                fired |= d.expired();
                throw fired ? d.timeout() : e;
            }
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
