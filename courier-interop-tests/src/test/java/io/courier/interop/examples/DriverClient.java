package io.courier.interop.examples;

import io.courier.client.CourierClient;
import io.courier.client.DurableSubscription;
import java.util.Map;

public class DriverClient {
    public static void main(String[] args) throws InterruptedException {
        CourierClient client = start("http://127.0.0.1:3000");
        Runtime.getRuntime().addShutdownHook(new Thread(client::close));
        Thread.currentThread().join(); // until Ctrl-C
    }

    public static CourierClient start(String url) {
        CourierClient client = CourierClient.builder(url)
                .auth(Map.of("clientId", "driver-7")) // the hub's durable identity (dev mode)
                .build();
        client.socket()
                .onConnect(() -> System.out.println(
                        "connected, recovered: " + client.socket().recovered()));
        DurableSubscription parcels = client.subscribe(
                "parcels",
                delivery -> System.out.println("pickup " + delivery.args().node(0) + " seq " + delivery.seq()),
                lost -> System.out.println("lost " + lost.fromSeq() + ".." + lost.toSeq()));
        parcels.subscribed() // the hub confirmed the subscription
                .thenCompose(ok -> client.publish("parcels", "pickup", Map.of("parcel", 17))) // once stored
                .thenAccept(id -> System.out.println("stored as " + id));
        return client;
    }
}
