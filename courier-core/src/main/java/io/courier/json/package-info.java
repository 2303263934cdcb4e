/** Jackson set-up shared by the decoder, the encoder and argument binding. */
package io.courier.json;
