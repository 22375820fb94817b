package io.flare.iem.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Classes small enough to read: no source file in {@code src/main} over 400 lines, no method over
 * 60 (from its modifiers to its closing brace; its Javadoc not counted). Parsed with the JDK's own
 * compiler API.
 */
class SourceSizeTest {

  static final Path SOURCES = Path.of("src", "main", "java");
  static final int MAX_FILE_LINES = 400;
  static final int MAX_METHOD_LINES = 60;

  @Test
  void no_class_over_400_lines_and_no_method_over_60() throws IOException {
    List<String> tooLong = tooLong(SOURCES);
    assertThat(tooLong).as("source files over %d lines and methods over %d lines", MAX_FILE_LINES,
        MAX_METHOD_LINES).isEmpty();
  }

  @Test
  void the_measure_counts_what_a_reader_reads() throws IOException {
    Path dir = Files.createTempDirectory(Path.of("target"), "sizes");
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 61; i++) {
      body.append("    int x").append(i).append(" = ").append(i).append(";\n");
    }
    Files.writeString(dir.resolve("Long.java"), "class Long {\n  /** Doc. */\n  void tooLong() {\n" + body
        + "  }\n\n  void fine() {\n  }\n}\n");
    assertThat(tooLong(dir)).singleElement().asString().contains("tooLong").contains("63 lines");
  }

  /** The source files under {@code root} over the line limit, and the methods over theirs. */
  static List<String> tooLong(Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(f -> f.toString().endsWith(".java")).toList();
    }
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    StandardJavaFileManager fileManager = compiler.getStandardFileManager(null, null, null);
    JavacTask task = (JavacTask) compiler.getTask(null, fileManager, null, List.of("-proc:none"), null,
        fileManager.getJavaFileObjectsFromPaths(files));
    SourcePositions positions = Trees.instance(task).getSourcePositions();
    List<String> tooLong = new ArrayList<>();
    for (CompilationUnitTree unit : task.parse()) {
      measure(unit, positions, tooLong);
    }
    return tooLong;
  }

  private static void measure(CompilationUnitTree unit, SourcePositions positions, List<String> tooLong)
      throws IOException {
    LineMap lines = unit.getLineMap();
    String name = unit.getSourceFile().getName();
    long fileLines = lines.getLineNumber(unit.getSourceFile().getCharContent(true).length());
    if (fileLines > MAX_FILE_LINES) {
      tooLong.add(name + ": " + fileLines + " lines");
    }
    new TreeScanner<Void, Void>() {
      @Override
      public Void visitMethod(MethodTree method, Void ignored) {
        if (method.getBody() != null) {
          long first = lines.getLineNumber(positions.getStartPosition(unit, method));
          long last = lines.getLineNumber(positions.getEndPosition(unit, method));
          if (last - first + 1 > MAX_METHOD_LINES) {
            tooLong.add(name + " " + method.getName() + "(): " + (last - first + 1) + " lines");
          }
        }
        return super.visitMethod(method, ignored);
      }
    }.scan(unit, null);
  }
}
