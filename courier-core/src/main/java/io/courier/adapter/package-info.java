/**
 * The room index and fan-out of one namespace, as an SPI: {@link io.courier.adapter.Adapter} with the in-process
 * {@link io.courier.adapter.LocalAdapter}; a cluster implementation (Redis) plugs in through
 * {@link io.courier.adapter.AdapterFactory} and also publishes to its peers.
 *
 * <p>A broadcast is encoded once into an {@link io.courier.adapter.OutboundPacket}; every recipient is handed the
 * same instance and therefore the same bytes.
 */
package io.courier.adapter;
