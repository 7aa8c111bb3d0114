/**
 * Values that describe a message on its way: queue id, addresses, envelope, recipient state.
 * No I/O; depends on nothing else in Mailferry.
 */
@NullMarked
package org.mailferry.message;

import org.jspecify.annotations.NullMarked;
