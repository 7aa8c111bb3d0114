package org.mailferry.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded configuration with what was set and where, for {@code mailferry config show}.
 *
 * @param file    the config file, or null for none
 * @param set     the keys set in the file, the environment or on the command line, as read
 * @param sources for keys set in the environment or on the command line: the variable's name, or
 *                "command line"
 */
public record Effective(Config config, Path file, Map<String, Toml.Value> set, Map<String, String> sources) {
}
