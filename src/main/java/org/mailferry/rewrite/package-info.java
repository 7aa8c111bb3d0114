/**
 * Sender rewriting at delivery (issue 15, "the sender the smarthost accepts"): masquerading, the
 * generic map and "send as the login", applied to the envelope sender and the address headers
 * as the body streams to the smarthost; the spool keeps what the application sent. AddressHeader,
 * the address parser, is shared with submission (bare names qualified on the way in).
 * Depends on: config (the rewrite settings and the generic map).
 */
package org.mailferry.rewrite;
