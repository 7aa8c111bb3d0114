/**
 * Typed configuration: the TOML reader, the table of every key with its default, the loader that
 * validates and names file, line and fix on error, the smarthost specification parser, and the
 * readers of credential files (sendmail authinfo, Postfix sasl_passwd) with their mode-600 check.
 * Library-free so the sendmail command can use it.
 * Depends on: nothing.
 */
package org.mailferry.config;
