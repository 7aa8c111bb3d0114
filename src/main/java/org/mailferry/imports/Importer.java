package org.mailferry.imports;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;

/**
 * {@code mailferry import FILE}: tells a sendmail.mc from a Postfix main.cf by its content,
 * translates it, and checks the result with the real {@link ConfigLoader} (so a generated
 * configuration that would not start is never handed out).
 */
public final class Importer {
    private static final Pattern MAIN_CF_LINE = Pattern.compile("[A-Za-z0-9_]+\\s*=.*");
    private static final Pattern M4 = Pattern.compile("(?m)^\\s*(dnl\\b|divert\\(|include\\(|define\\(|undefine\\(|"
            + "FEATURE\\(|OSTYPE\\(|DOMAIN\\(|MAILER\\(|VERSIONID\\(|MASQUERADE_AS\\(|DAEMON_OPTIONS\\()");

    /** What was imported: the kind of file, the mailferry.toml text, and what became of each directive. */
    public record Result(String kind, String toml, List<Outcome> outcomes) {
        public String report() {
            return ReportText.of(outcomes);
        }
    }

    private Importer() {
    }

    public static Result run(Path file) throws ImportException {
        String text = read(file);
        if (isMainCf(text)) {
            Translation t = PostfixMainCf.translate(file, text);
            return new Result("Postfix main.cf", t.toml(), t.outcomes());
        }
        if (M4.matcher(text).find()) {
            Translation t = SendmailMc.translate(file, text);
            return new Result("sendmail.mc", t.toml(), t.outcomes());
        }
        throw new ImportException(file + ": neither a sendmail.mc (m4 macros such as define(`SMART_HOST', ...)) nor"
                + " a Postfix main.cf (name = value lines); give /etc/mail/sendmail.mc or /etc/postfix/main.cf",
                ImportException.EX_CONFIG);
    }

    /** A main.cf's first line that is not blank or a comment is "name = value"; a sendmail.mc's is not. */
    private static boolean isMainCf(String text) {
        for (String line : text.split("\r?\n")) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                return MAIN_CF_LINE.matcher(line).matches();
            }
        }
        return false;
    }

    private static String read(Path file) throws ImportException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImportException(file + ": no such file; give the path of sendmail.mc (/etc/mail/sendmail.mc) "
                    + "or main.cf (/etc/postfix/main.cf)", ImportException.EX_NOINPUT);
        } catch (AccessDeniedException e) {
            throw new ImportException(file + ": permission denied; run the import as a user who may read it (root)",
                    ImportException.EX_NOINPUT);
        } catch (IOException e) {
            throw new ImportException(file + ": cannot read it: " + e.getMessage(), ImportException.EX_NOINPUT);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1); // old files in Latin-1 comments: read them too
        }
    }

    /**
     * Loads the generated text with the real loader; null when it loads, else the loader's message
     * with the temporary file's name replaced by {@code shownAs}.
     */
    public static @Nullable String check(String toml, String shownAs) throws IOException {
        Path tmp = Files.createTempFile("mailferry-import", ".toml");
        try {
            Files.writeString(tmp, toml, StandardCharsets.UTF_8);
            ConfigLoader.load(tmp, Map.of());
            return null;
        } catch (ConfigException e) {
            return String.valueOf(e.getMessage()).replace(tmp.toString(), shownAs);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
