/**
 * Typed configuration: the TOML reader, the table of every key with its default, the loader that
 * validates and names file, line and fix on error (MAILFERRY_* environment variables included), the
 * TOML text of an effective configuration (config show), the smarthost specification parser, and the
 * readers of credential files (sendmail authinfo, Postfix sasl_passwd) with their mode-600 check
 * and of the generic map (rewrite.generic_map).
 * Library-free so the sendmail command can use it.
 * Depends on: nothing.
 */
package org.mailferry.config;
