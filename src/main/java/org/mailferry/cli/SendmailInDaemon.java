package org.mailferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.SimpleTimeZone;
import org.mailferry.config.ConfigException;
import org.mailferry.submission.LocalSubmission;
import org.mailferry.submission.SendRequest;
import org.mailferry.submission.SubmitSocket;

/**
 * The sendmail command's sending path, run in the daemon for the native client (SEND on the
 * submit socket; src/main/c/sendmail.c). The same steps as {@link Sendmail}: {@link
 * Sendmail#options}, {@link SendmailConfig#of} on the config text the client read, {@link
 * Sendmail#send}; with the user from the socket's peer credentials and the client's time zone.
 * What they print becomes the client's stderr, so both commands say the same things with the same
 * exit codes. Whatever the Java command would do otherwise (another mode, -v, a client that found
 * another -C or spool than the parser does, a config that is not UTF-8, a spool that cannot take
 * the message now) is answered "jvm": the client then runs the Java command, which does it.
 */
public final class SendmailInDaemon implements SubmitSocket.Send {
    private static final String COMMAND = "sendmail";

    @Override
    public SendRequest.Answer start(SendRequest r, String user, SubmitSocket.Queue queue) {
        ByteArrayOutputStream text = new ByteArrayOutputStream(256);
        PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
        SendmailOptions o = Sendmail.options(COMMAND, r.args(), err);
        if (o == null) {
            return exit(Sysexits.EX_USAGE, text);
        }
        if (o.mode() != SendmailOptions.Mode.SEND || o.verbose()) {
            return new SendRequest.Jvm("not a plain send (mode " + o.mode() + ", verbose " + o.verbose() + ")");
        }
        if (!Objects.equals(o.configFile(), r.configOption())) {
            return new SendRequest.Jvm("the client found another -C");
        }
        SendmailConfig config;
        try {
            String toml = r.configText() == null ? null
                    : StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(r.configText())).toString();
            config = SendmailConfig.of(r.configName(), toml, Path.of(r.spool())); // no spool in it: the client's default
            if (!config.spool().equals(Path.of(r.spool()))) {
                return new SendRequest.Jvm("the client read another spool: " + r.spool());
            }
        } catch (CharacterCodingException e) {
            return new SendRequest.Jvm("the config file is not UTF-8");
        } catch (InvalidPathException e) {
            return new SendRequest.Jvm("spool: " + e.getMessage());
        } catch (ConfigException e) {
            return exit(Sendmail.configError(COMMAND, e, err), text);
        }
        Composer composer = new Composer(user, config.originDomain(),
                new SimpleTimeZone(r.zoneOffsetSeconds() * 1000, "client"));
        return new SendRequest.NeedInput(!o.ignoreDots(), message -> {
            try {
                return exit(Sendmail.send(o, composer, (drop, verbose) -> submit(queue, drop),
                        config.spool(), message, err), text);
            } catch (UncheckedIOException e) {
                return new SendRequest.Jvm("the spool cannot take the message now: " + e.getCause().getMessage());
            }
        });
    }

    /**
     * Commits, the body streamed from the connection to the spool; a refusal is the Java command's
     * "message refused"; a spool failure goes back to it.
     */
    private static Handover.Result submit(SubmitSocket.Queue queue, Composer.Composed message)
            throws Handover.RefusedException {
        try {
            return new Handover.Result("queued as " + queue.submit(message.head(), message.text().stream()));
        } catch (LocalSubmission.RefusedException e) {
            throw new Handover.RefusedException(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SendRequest.Exit exit(int code, ByteArrayOutputStream text) {
        return new SendRequest.Exit(code, text.toString(StandardCharsets.UTF_8));
    }
}
