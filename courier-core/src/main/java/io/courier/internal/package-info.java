/** A few named helpers shared by the other packages; nothing here is public API. */
package io.courier.internal;
