/**
 * {@code mailferry import}: reads a Sendmail sendmail.mc or a Postfix main.cf (the kind told by
 * the content) and writes the mailferry.toml that does the same job, with a report of every
 * directive read: the key it became, or why it was not translated and what to do instead.
 * The generated configuration is checked by the real ConfigLoader before it is handed out.
 * Depends on: config (the keys, the loader, the credential file readers).
 */
@NullMarked
package org.mailferry.imports;

import org.jspecify.annotations.NullMarked;
