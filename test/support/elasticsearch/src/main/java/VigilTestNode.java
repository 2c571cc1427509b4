import java.io.Closeable;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.transport.TransportAddress;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A single-node Elasticsearch for tests: plain HTTP on 127.0.0.1 (security is an x-pack plugin,
 * not on the classpath), an OS-chosen HTTP port, everything under one home directory. Prints
 * "vigil-test-node ready http://127.0.0.1:<port>" once it answers, and stops on SIGTERM or when
 * its stdin closes (so a killed test runner cannot leave it behind).
 *
 * The server's Node loads plugins only from a plugins directory; the test framework's MockNode
 * takes them as classes, which is how Netty4Plugin (the HTTP server) gets in. MockNode's public
 * constructors prepare their settings through ESTestCase, whose static setup needs the randomized
 * test runner and refuses to run as root; the private constructor that takes a ready Environment
 * does neither, so it is called by reflection (MockNode.java in the framework's sources).
 *
 * Usage: java -cp <classpath> VigilTestNode <home dir>
 */
public final class VigilTestNode {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: VigilTestNode <home dir>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(home.resolve("config"));
    Settings settings = Settings.builder()
        .put("path.home", home.toString())
        .put("path.data", home.resolve("data").toString())
        .put("path.logs", home.resolve("logs").toString())
        .put("cluster.name", "vigil-test")
        .put("node.name", "vigil-test")
        .put("discovery.type", "single-node")
        .put("network.host", "127.0.0.1")
        .put("http.port", "0")
        .put("transport.port", "0")
        // Test machines often have fuller disks than a production node would accept.
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .build();
    LogConfigurator.configureESLogging();
    LogConfigurator.configureWithoutConfig(settings);

    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "vigil-test");
    Constructor<MockNode> constructor = MockNode.class.getDeclaredConstructor(Environment.class, Collection.class, boolean.class, Closeable.class);
    constructor.setAccessible(true);
    Closeable nothing = () -> {};
    Node node = constructor.newInstance(environment, List.of(Netty4Plugin.class), true, nothing);
    node.start();
    TransportAddress http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));
    System.out.println("vigil-test-node ready http://" + http.getAddress() + ":" + http.getPort());
    System.out.flush();
    // The parent holds our stdin open; EOF means it is gone.
    while (System.in.read() != -1) {
      // ignore input
    }
    System.exit(0);
  }
}
