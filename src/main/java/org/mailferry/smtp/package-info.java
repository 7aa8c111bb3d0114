/**
 * SMTP vocabulary shared by the listener and the smarthost client: replies, enhanced status codes,
 * strict CRLF line reading, command and parameter parsing.
 * Depends on: message.
 */
@NullMarked
package org.mailferry.smtp;

import org.jspecify.annotations.NullMarked;
