package org.mailferry.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Configuration from the environment, for containers: {@code MAILFERRY_<SECTION>_<KEY>} sets any
 * key ({@code MAILFERRY_RELAY_SMARTHOST}, {@code MAILFERRY_SMTPD_MAX_CONNECTIONS}); for a secret,
 * {@code MAILFERRY_<SECTION>_<KEY>_FILE} names a file holding it, checked as every secret file
 * (owner, mode 600). A variable that looks like a key but names none is an error (a typo would
 * otherwise be ignored); the launcher's own variables are left alone.
 */
public final class Environment {
    /**
     * The launcher's variables that start like a section (bin/lib/env.sh), and the log level
     * logback.xml reads; never keys.
     */
    static final Set<String> LAUNCHER = Set.of("MAILFERRY_SENDMAIL_FLAGS", "MAILFERRY_SENDMAIL_JVM",
            "MAILFERRY_LOG_LEVEL");

    private static final String PREFIX = "MAILFERRY_";
    private static final String FILE = "_FILE";

    /** A key's value from the variable {@code variable}. */
    record Setting(Key key, String variable, String value) {
    }

    private Environment() {
    }

    /** The variable that sets {@code key}: MAILFERRY_ and the name in capitals, '.' as '_'. */
    public static String variable(Key key) {
        return PREFIX + key.name().replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * The keys {@code env}'s MAILFERRY_* variables set, key name to value (the sendmail command's
     * few keys); validated as for serve: an error names the variable and the fix.
     */
    public static Map<String, String> keys(Map<String, String> env) throws ConfigException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Setting s : read(env)) {
            out.put(s.key().name(), s.value());
        }
        return out;
    }

    /** The settings among {@code env}, in the variables' order; an error names the variable and the fix. */
    static List<Setting> read(Map<String, String> env) throws ConfigException {
        Map<String, Key> byVariable = new TreeMap<>();
        Set<String> sections = new java.util.HashSet<>();
        for (Key k : Key.ALL) {
            byVariable.put(variable(k), k);
            sections.add(PREFIX + k.name().substring(0, k.name().indexOf('.')).toUpperCase(Locale.ROOT) + "_");
        }
        List<Setting> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(PREFIX) || LAUNCHER.contains(name)) {
                continue;
            }
            Key key = byVariable.get(name);
            if (key != null) {
                if (env.containsKey(name + FILE)) {
                    throw new ConfigException(name + " and " + name + FILE + " are both set; unset one");
                }
                out.add(new Setting(key, name, e.getValue()));
                continue;
            }
            Key secret = name.endsWith(FILE) ? byVariable.get(name.substring(0, name.length() - FILE.length())) : null;
            if (secret != null) {
                out.add(new Setting(secret, name, secretFile(name, secret, e.getValue())));
            } else if (sections.stream().anyMatch(name::startsWith)) {
                String asKey = name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replaceFirst("_", ".");
                Key near = ConfigLoader.closest(asKey);
                throw new ConfigException(name + ": no such setting: there is no key '" + asKey + "'"
                        + (near == null ? "" : " (did you mean " + variable(near) + "?)")
                        + "; the variables are MAILFERRY_ and a key in capitals with '_' for '.', e.g. "
                        + variable(Key.RELAY_SMARTHOST) + " (docs/configuration.md); unset it");
            }
        }
        return out;
    }

    private static String secretFile(String name, Key key, String file) throws ConfigException {
        if (!Key.SECRETS.contains(key)) {
            throw new ConfigException(name + ": only secrets are read from files ("
                    + String.join(", ", Key.SECRETS.stream().map(k -> variable(k) + FILE).toList())
                    + "); set " + variable(key) + " to the value itself");
        }
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new ConfigException(name + ": '" + file + "' is not a usable path: " + e.getReason());
        }
        String text;
        try {
            text = SecretFile.read(path);
        } catch (ConfigException e) {
            throw new ConfigException(name + ": " + e.getMessage());
        }
        String value = text.strip();
        if (value.isEmpty()) {
            throw new ConfigException(name + ": " + path + " is empty; put the " + key.name() + " in it");
        }
        return value;
    }
}
