package org.mailferry.config;

/** A user's configuration mistake: the message names the file, the line and the fix. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public static ConfigException at(String file, int line, String message) {
        return new ConfigException(file + (line > 0 ? ":" + line : "") + ": " + message);
    }
}
