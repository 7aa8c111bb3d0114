/**
 * Typed configuration: the TOML reader, the table of every key with its default, the loader that
 * validates and names file, line and fix on error, and the smarthost specification parser.
 * Depends on nothing else in Mailferry; library-free so the sendmail command can use it.
 */
package org.mailferry.config;
