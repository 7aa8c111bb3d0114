package org.mailferry.config;

/**
 * Where the running daemon's configuration comes from, so a reload (mailferry reload, SIGHUP)
 * reads it the same way again: the file given to serve, the MAILFERRY_* environment, the command
 * line's options, and every credential file they name.
 */
@FunctionalInterface
public interface ConfigSource {
    Config read() throws ConfigException;
}
