import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for tests: plain HTTP on 127.0.0.1 (the security plugin is not on the
 * classpath), an OS-chosen HTTP port, everything under one home directory. Prints
 * "vigil-test-node ready http://127.0.0.1:<port>" once it answers, and stops on SIGTERM or when
 * its stdin closes (so a killed test runner cannot leave it behind).
 *
 * Usage: java -cp <classpath> VigilTestNode <home dir>
 */
public final class VigilTestNode {
  /** Node's constructor that takes plugins from the classpath is protected. */
  private static final class ClasspathNode extends Node {
    ClasspathNode(Settings settings) {
      super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "vigil-test"), List.of(Netty4Plugin.class), true);
    }
  }

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
    LogConfigurator.configureWithoutConfig(settings);

    Node node = new ClasspathNode(settings);
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
