package org.mailferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;

/** A raw SMTP client for scripted conversations: send exact bytes, read one reply at a time. */
public final class SmtpScript implements AutoCloseable {
    private final Socket socket;
    private final SmtpInput in;
    private final OutputStream out;

    public SmtpScript(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = new SmtpInput(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public static SmtpScript connect(InetSocketAddress address) throws IOException {
        SmtpScript s = new SmtpScript(address);
        Reply greeting = s.reply();
        if (greeting.code() != 220) {
            throw new AssertionError("greeting: " + greeting);
        }
        return s;
    }

    /** Sends {@code line} plus CRLF and returns the reply. */
    public Reply send(String line) throws IOException {
        raw(line + "\r\n");
        return reply();
    }

    /** Sends exact bytes, no reply read. */
    public void raw(String bytes) throws IOException {
        raw(bytes.getBytes(StandardCharsets.UTF_8));
    }

    public void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public Reply reply() throws IOException {
        return ReplyReader.read(in, true);
    }

    /** True when the server has closed the connection (reads end of stream). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    public InputStream input() throws IOException {
        return socket.getInputStream();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
