package org.mailferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For the start-up cache's training run only ({@code -Dmailferry.train=SPOOL}): answers one
 * submission on SPOOL/public/submit.sock, so that the training submission takes the same path as a
 * real one (the socket) and the cache holds the classes it needs.
 */
final class Training {
    private Training() {
    }

    private record Answer(ServerSocketChannel server) implements Runnable {
        @Override
        public void run() {
            try (server; SocketChannel ch = server.accept()) {
                InputStream in = java.nio.channels.Channels.newInputStream(ch);
                in.transferTo(java.io.OutputStream.nullOutputStream());
                ch.write(ByteBuffer.wrap("ok TRAINING\n".getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                // the submission then goes to the maildrop: still a valid training run
            }
        }
    }

    static void answerOnce(Path spool) throws IOException {
        Path sock = spool.resolve("public").resolve("submit.sock");
        Files.createDirectories(sock.getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread t = new Thread(new Answer(server), "training"); // no lambda: it would pull lambda classes into the cache
        t.setDaemon(true);
        t.start();
    }
}
