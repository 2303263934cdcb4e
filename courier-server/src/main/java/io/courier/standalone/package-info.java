/** The standalone Courier server ({@code java -jar courier-server.jar}) and the conformance server. */
package io.courier.standalone;
