package org.mailferry.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/** Reading envelope files ({@code ID.env}) from a directory: queue/ or done/. */
final class EnvelopeFiles {
    static final String ENV = ".env";

    private EnvelopeFiles() {
    }

    /** The envelope {@code ID.env} in {@code dir}, or null when there is none. */
    static Envelope read(Path dir, QueueId id) throws IOException {
        try {
            return EnvelopeCodec.decode(Files.readAllBytes(dir.resolve(id.value() + ENV)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (EnvelopeCodec.CorruptException e) {
            throw new IOException(id + ": unreadable envelope in " + dir + ": " + e.getMessage());
        }
    }

    /** What to do with an envelope file that cannot be decoded. */
    interface Unreadable {
        void found(Path file, String why) throws IOException;
    }

    /** Decodes every {@code *.env} in {@code dir}; skips files removed while listed. */
    static void forEach(Path dir, Consumer<Envelope> each, Unreadable unreadable) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + ENV)) {
            for (Path p : ds) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(p);
                } catch (NoSuchFileException gone) {
                    continue; // delivered and removed while we listed
                }
                try {
                    each.accept(EnvelopeCodec.decode(bytes));
                } catch (EnvelopeCodec.CorruptException e) {
                    unreadable.found(p, e.getMessage());
                }
            }
        }
    }
}
