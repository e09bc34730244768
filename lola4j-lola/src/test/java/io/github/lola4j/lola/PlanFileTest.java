package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A plan file round-trips to the same plan; truncated, corrupted or foreign files are refused. */
class PlanFileTest {

    private static Plan plan;
    private static byte[] bytes;

    @BeforeAll
    static void compile() throws IOException {
        Network net = CompilerTest.net(Shape.of(32), 1.0, 21, Dense.zeros(32, 16), Square.INSTANCE, Dense.zeros(16, 4));
        plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CompilerTest.inputs(net, 8, 1)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        plan.write(out);
        bytes = out.toByteArray();
    }

    @Test
    void roundTripGivesTheSamePlan() throws IOException {
        Plan back = Plan.read(new ByteArrayInputStream(bytes));
        assertEquals(plan.fingerprint(), back.fingerprint());
        assertEquals(plan.parameters(), back.parameters());
        assertEquals(plan.keyRequirements(), back.keyRequirements());
        assertEquals(plan.inputRepresentation(), back.inputRepresentation());
        assertEquals(plan.choices(), back.choices());
        double[] x = CompilerTest.inputs(plan.network(), 1, 5).get(0);
        assertArrayEquals(plan.evaluatePlain(x), back.evaluatePlain(x), 0.0);
        assertEquals(plan.report().steps().size(), back.report().steps().size());
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        back.write(again);
        assertArrayEquals(bytes, again.toByteArray(), "writing a read plan gives the same bytes");
    }

    @Test
    void everyTruncationIsRefused() {
        for (int len = 0; len < bytes.length; len += len < 64 ? 1 : 97) {
            byte[] cut = Arrays.copyOf(bytes, len);
            IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(cut)), "length " + len);
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
    }

    @Test
    void flippedBytesAreRefused() {
        for (int pos = 0; pos < bytes.length; pos += 331) {
            byte[] bad = bytes.clone();
            bad[pos] ^= 0x10;
            assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(bad)), "byte " + pos);
        }
    }

    /**
     * A forged body under a valid checksum: a batch size the plan was not made for. The fingerprint
     * is checked before any kernel is built, so the file is refused for its fingerprint, not by the
     * rebuild.
     */
    @Test
    void aForgedBodyIsRefusedByItsFingerprintBeforeAnythingIsBuilt() throws IOException {
        byte[] body = Arrays.copyOfRange(bytes, Envelope.HEADER_BYTES, bytes.length - Envelope.TRAILER_BYTES);
        body[8 + 3] = 7; // the batch, u32 after the fingerprint
        ByteArrayOutputStream forged = new ByteArrayOutputStream();
        FramedFile.write(forged, Envelope.Kind.PLAN, PlanFile.VERSION, plan.fingerprint(), body);
        IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(forged.toByteArray())));
        assertTrue(e.getMessage().contains("fingerprint") && e.getMessage().contains("does not match its contents"), e.getMessage());
    }

    /**
     * A plan with the client's part of a split model: the plan file and the client plan carry it,
     * byte for byte; the fingerprint and the keys are the plan's own; bad parts are refused.
     */
    @Test
    void theClientPartTravelsWithThePlanAndItsClientPlan() throws IOException {
        byte[] model = "an ONNX model the client runs".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ClientPart part = ClientPart.of("/3/Conv", 1 / 255.0, model);
        Plan split = plan.withClientPart(part);
        assertEquals(plan.fingerprint(), split.fingerprint());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        split.write(out);
        Plan back = Plan.read(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(part, back.clientPart().orElseThrow());
        assertArrayEquals(model, back.clientPart().orElseThrow().model());
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        back.clientPlan().write(client);
        ClientPlan c = ClientPlan.read(new ByteArrayInputStream(client.toByteArray()));
        assertEquals(part, c.clientPart().orElseThrow());
        assertEquals(split.keyRequirements(), c.keyRequirements());
        assertTrue(Plan.read(new ByteArrayInputStream(bytes)).clientPart().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ClientPart.of("", 1, model));
        assertThrows(IllegalArgumentException.class, () -> ClientPart.of("x", Double.NaN, model));
        assertThrows(IllegalArgumentException.class, () -> ClientPart.of("x", 1, new byte[0]));
        // every truncation of the file with a part is refused
        byte[] withPart = out.toByteArray();
        for (int len = withPart.length - 40; len < withPart.length; len++) {
            byte[] cut = Arrays.copyOf(withPart, len);
            assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(cut)), "length " + len);
        }
    }

    @Test
    void otherVersionsAndFilesAreRefused() {
        byte[] v3 = bytes.clone();
        v3[4] = 3; // the envelope's version, u16 little-endian
        IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(v3)));
        assertTrue(e.getMessage().contains("version 3") && e.getMessage().contains("versions 1 and 2"), e.getMessage());
        byte[] other = "not a plan at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(other)));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    /**
     * A plan file as earlier releases framed it (before the envelope, version 1: without the
     * client part's byte) still reads, to the same plan; and so does version 1 in the envelope.
     */
    @Test
    void aPlanFileOfAnEarlierReleaseStillReads() throws IOException {
        byte[] body = Arrays.copyOfRange(bytes, Envelope.HEADER_BYTES, bytes.length - Envelope.TRAILER_BYTES - 1);
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        FramedFile.write(v1, Envelope.Kind.PLAN, PlanFile.VERSION_WITHOUT_CLIENT_PART, plan.fingerprint(), body);
        assertEquals(plan.fingerprint(), Plan.read(new ByteArrayInputStream(v1.toByteArray())).fingerprint());
        byte[] old = LegacyFraming.frame(PlanFile.LEGACY_MAGIC, PlanFile.VERSION_WITHOUT_CLIENT_PART, body);
        Plan back = Plan.read(new ByteArrayInputStream(old));
        assertEquals(plan.fingerprint(), back.fingerprint());
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        back.write(again);
        assertArrayEquals(bytes, again.toByteArray(), "written again, it is in the envelope");
        byte[] bad = old.clone();
        bad[old.length / 2] ^= 1;
        IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(bad)));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    /** The envelope's fingerprint and the body's must agree (both are covered by the checksum, so only a forger gets here). */
    @Test
    void aHeaderFingerprintOtherThanTheBodysIsRefused() throws IOException {
        byte[] body = Arrays.copyOfRange(bytes, Envelope.HEADER_BYTES, bytes.length - Envelope.TRAILER_BYTES);
        ByteArrayOutputStream forged = new ByteArrayOutputStream();
        FramedFile.write(forged, Envelope.Kind.PLAN, PlanFile.VERSION, plan.fingerprint() ^ 1, body);
        IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(forged.toByteArray())));
        assertTrue(e.getMessage().contains("header's fingerprint"), e.getMessage());
    }

    /**
     * A real plan file written by the release before the envelope (test resource, 3.6 KB: a
     * 32-16-4 network with a square): it reads, its fingerprint is the one that release printed
     * (so tensors and keys made for it still match), and its network computes what it did then.
     */
    @Test
    void aPlanFileWrittenByTheEarlierReleaseReads() throws IOException {
        Plan old;
        try (java.io.InputStream in = getClass().getResourceAsStream("legacy-fixture.plan")) {
            old = Plan.read(in);
        }
        assertEquals(0x58e1ef56477a395bL, old.fingerprint());
        double[] x = new double[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = i / 32.0;
        }
        assertArrayEquals(old.network().forward(x), old.evaluatePlain(x), 1e-12);
        assertEquals("legacy-fixture", old.network().info().name());
    }

    /** serve tells a plan file from a model file by its first bytes: both framings of a plan, never a model. */
    @Test
    void aPlanFileIsToldFromAModelFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        java.nio.file.Path now = dir.resolve("now.plan");
        java.nio.file.Files.write(now, bytes);
        assertTrue(Plan.isPlanFile(now));
        java.nio.file.Path old = dir.resolve("old.plan");
        try (java.io.InputStream in = getClass().getResourceAsStream("legacy-fixture.plan")) {
            java.nio.file.Files.write(old, in.readAllBytes());
        }
        assertTrue(Plan.isPlanFile(old));
        java.nio.file.Path model = dir.resolve("m.model");
        plan.network().save(model);
        assertFalse(Plan.isPlanFile(model));
        java.nio.file.Path empty = dir.resolve("empty");
        java.nio.file.Files.write(empty, new byte[0]);
        assertFalse(Plan.isPlanFile(empty));
    }

    /**
     * A plan compiled with another cost table is priced with the built-in one when read, wherever
     * it is read (never with a table in the reader's home folder), and its report says so; the
     * file's record of the table is kept, so the plan writes back the same bytes.
     */
    @Test
    void aReadPlanIsPricedWithTheBuiltInTableAndSaysWhichItWasCompiledWith(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        // a table twice as slow as the built-in one, as a busy machine's calibrate would write
        java.nio.file.Path table = dir.resolve("slow.tsv");
        StringBuilder t = new StringBuilder("# measured on a slow machine\n");
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(
                "lola4j-lola/src/main/resources/io/github/lola4j/lola/cost-model.tsv"))) {
            String[] f = line.strip().split("\\s+");
            if (line.startsWith("#") || f.length != 4) {
                continue;
            }
            t.append(f[0]).append('\t').append(f[1]).append('\t').append(f[2]).append('\t').append(2 * Double.parseDouble(f[3]))
                    .append('\n');
        }
        java.nio.file.Files.writeString(table, t);
        CostModel slow = CostModel.read(table);
        Network net = io.github.lola4j.models.ModelRegistry.load("lola-small");
        Plan compiled = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CompilerTest.inputs(net, 8, 1))
                .withCostModel(slow).withRingDegrees(8192));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        compiled.write(out);
        String home = System.getProperty("user.home");
        Plan read;
        try {
            // a home whose cost table is the slow one: reading must not take it
            java.nio.file.Path cache = dir.resolve(".cache/lola4j");
            java.nio.file.Files.createDirectories(cache);
            java.nio.file.Files.copy(table, cache.resolve("cost-model.tsv"));
            System.setProperty("user.home", dir.toString());
            read = Plan.read(new java.io.ByteArrayInputStream(out.toByteArray()));
        } finally {
            System.setProperty("user.home", home);
        }
        assertEquals(compiled.predictedSeconds() / 2, read.predictedSeconds(), 1e-6 * compiled.predictedSeconds());
        assertTrue(read.report().costModel().startsWith(CostModel.builtIn().source() + "; the plan was compiled with "
                + table), read.report().costModel());
        java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
        read.write(again);
        assertArrayEquals(out.toByteArray(), again.toByteArray());
    }
}
