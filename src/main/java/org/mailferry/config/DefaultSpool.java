package org.mailferry.config;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * queue.spool's default: var/spool in the directory the program was installed in, the one above
 * target/ (the checkout, or /usr/lib/mailferry, where 'mailferry install' links var/spool to
 * /var/spool/mailferry), found from where this class was loaded (target/mailferry.jar or
 * target/classes), as the native client finds it from its own file (target/mailferry-sendmail).
 * Never the working directory's ./var/spool: root running a checkout's sendmail in another user's
 * directory would hand the message to whatever listens on that user's ./var/spool/public/submit.sock.
 */
public final class DefaultSpool {
    private DefaultSpool() {
    }

    public static Path path() {
        try {
            CodeSource source = DefaultSpool.class.getProtectionDomain().getCodeSource();
            Path loadedFrom = Path.of(source.getLocation().toURI()).toAbsolutePath(); // .../target/{mailferry.jar,classes}
            Path target = loadedFrom.getParent();
            if (target != null && target.getParent() != null) {
                return target.getParent().resolve("var").resolve("spool");
            }
        } catch (URISyntaxException | RuntimeException e) {
            // below
        }
        throw new IllegalStateException("cannot tell where Mailferry is installed (no code source for "
                + DefaultSpool.class.getName() + "); set queue.spool in the config file");
    }
}
