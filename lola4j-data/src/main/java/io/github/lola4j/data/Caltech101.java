package io.github.lola4j.data;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * CalTech-101 in the LoLa paper's split: images 1 to 20 of each of the 101 classes for training,
 * 21 to 30 for testing (2,020 and 1,010 images), labels in the authors' order (the folder names
 * sorted without regard to case), as in the catalogues {@code cal_train.tsv} and
 * {@code cal_test.tsv} of microsoft/CryptoNets. The clutter class {@code BACKGROUND_Google} is left
 * out, as in the paper.
 *
 * <p>Where the folder is: an explicit folder ({@code --data DIR}), then {@code $LOLA4J_DATA}, then
 * the cache {@code ~/.cache/lola4j/caltech101}; each may hold {@code 101_ObjectCategories/}
 * directly or in a {@code caltech101/} subfolder. Opening it checks that all 3,030 images are
 * there and, unless told not to, that each has the SHA-256 this project recorded from the
 * original archive (a resource of this jar), so that a damaged or incomplete folder is refused by
 * file name. Catalogues found beside the images are checked against the split.
 *
 * <p>{@link #image} decodes an image as the ImageNet networks' zoo preprocessing does: RGB (grey
 * expanded), the shorter side resized to 256 with a bilinear filter that computes exactly what
 * Pillow's {@code Image.resize(..., BILINEAR)} computes (antialiased when shrinking, 8-bit
 * fixed-point), then the centre 224 x 224. {@link #normalize} turns those bytes into the network's
 * input ({@code (v / 255 - mean) / std} per channel).
 *
 * <p>The data: L. Fei-Fei, R. Fergus, P. Perona, CVPR 2004 workshop; CC BY 4.0
 * (https://doi.org/10.22002/D1.20086).
 */
public final class Caltech101 {

    /** The data set's id: its cache folder and {@code --dataset} name. */
    public static final String ID = "caltech101";
    /**
     * Where the original archive is served: CaltechDATA's record of Caltech 101 (version 1.0,
     * https://doi.org/10.22002/D1.20086, CC BY 4.0), its file {@code caltech-101.zip}.
     */
    public static final List<java.net.URI> SOURCES = List.of(
            java.net.URI.create("https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip?download=1"));

    /** The folder of the images, one subfolder per class. */
    public static final String IMAGES = "101_ObjectCategories";
    /** The number of classes. */
    public static final int CLASSES = 101;
    /** Training images per class (images 1 to 20). */
    public static final int TRAIN_PER_CLASS = 20;
    /** Test images per class (images 21 to 30). */
    public static final int TEST_PER_CLASS = 10;
    /** The side the shorter image side is resized to. */
    public static final int RESIZE = 256;
    /** The side of the centre crop. */
    public static final int CROP = 224;
    /** ImageNet's per-channel mean (R, G, B) of pixels scaled to [0, 1]. */
    private static final double[] MEAN = {0.485, 0.456, 0.406};
    /** ImageNet's per-channel standard deviation. */
    private static final double[] STD = {0.229, 0.224, 0.225};

    /** The 101 class folders, label 0 first: the authors' order (case-insensitive alphabetical). */
    public static final List<String> CLASS_NAMES = List.of("accordion", "airplanes", "anchor", "ant", "barrel", "bass",
            "beaver", "binocular", "bonsai", "brain", "brontosaurus", "buddha", "butterfly", "camera", "cannon", "car_side",
            "ceiling_fan", "cellphone", "chair", "chandelier", "cougar_body", "cougar_face", "crab", "crayfish", "crocodile",
            "crocodile_head", "cup", "dalmatian", "dollar_bill", "dolphin", "dragonfly", "electric_guitar", "elephant", "emu",
            "euphonium", "ewer", "Faces", "Faces_easy", "ferry", "flamingo", "flamingo_head", "garfield", "gerenuk",
            "gramophone", "grand_piano", "hawksbill", "headphone", "hedgehog", "helicopter", "ibis", "inline_skate",
            "joshua_tree", "kangaroo", "ketch", "lamp", "laptop", "Leopards", "llama", "lobster", "lotus", "mandolin",
            "mayfly", "menorah", "metronome", "minaret", "Motorbikes", "nautilus", "octopus", "okapi", "pagoda", "panda",
            "pigeon", "pizza", "platypus", "pyramid", "revolver", "rhino", "rooster", "saxophone", "schooner", "scissors",
            "scorpion", "sea_horse", "snoopy", "soccer_ball", "stapler", "starfish", "stegosaurus", "stop_sign",
            "strawberry", "sunflower", "tick", "trilobite", "umbrella", "watch", "water_lilly", "wheelchair", "wild_cat",
            "windsor_chair", "wrench", "yin_yang");

    /** The two parts of the split. */
    public enum Part {
        /** Images 1 to 20 of each class. */
        TRAIN("cal_train.tsv", 1, TRAIN_PER_CLASS),
        /** Images 21 to 30 of each class. */
        TEST("cal_test.tsv", TRAIN_PER_CLASS + 1, TEST_PER_CLASS);

        private final String catalogue;
        private final int first;
        private final int perClass;

        Part(String catalogue, int first, int perClass) {
            this.catalogue = catalogue;
            this.first = first;
            this.perClass = perClass;
        }

        /** The number of images of this part. */
        public int count() {
            return perClass * CLASSES;
        }
    }

    /**
     * One image of the split.
     *
     * @param file  its path below the data folder, e.g. {@code 101_ObjectCategories/accordion/image_0001.jpg}
     * @param label its class, 0 to 100 in {@link #CLASS_NAMES}' order
     */
    public record Entry(String file, int label) {
    }

    private final Path dir;

    private Caltech101(Path dir) {
        this.dir = dir;
    }

    /**
     * Finds the folder: {@code explicit} if given, else {@code $LOLA4J_DATA}, else the cache;
     * each as given or its {@code caltech101/} subfolder, whichever holds {@value #IMAGES}.
     *
     * @param explicit    the {@code --data} folder, or null
     * @param environment the environment (System::getenv)
     * @param home        the user's home folder
     * @return the folder holding {@value #IMAGES}, or empty when neither the environment nor the cache has it
     * @throws IOException when an explicit folder (or the variable's) holds no {@value #IMAGES}
     */
    public static Optional<Path> locate(Path explicit, Function<String, String> environment, Path home) throws IOException {
        String env = environment.apply(DataLocator.ENV_VARIABLE);
        Path given = explicit != null ? explicit : env != null && !env.isBlank() ? Path.of(env.trim()) : null;
        if (given != null) {
            for (Path p : List.of(given, given.resolve(ID))) {
                if (Files.isDirectory(p.resolve(IMAGES))) {
                    return Optional.of(p);
                }
            }
            throw new IOException((explicit != null ? "--data " : DataLocator.ENV_VARIABLE + "=") + given + ": no " + IMAGES
                    + "/ folder there or in " + ID + "/; " + downloadAdvice());
        }
        Path cached = home.resolve(".cache").resolve("lola4j").resolve(ID);
        return Files.isDirectory(cached.resolve(IMAGES)) ? Optional.of(cached) : Optional.empty();
    }

    /** Where a user gets the images. */
    public static String downloadAdvice() {
        return "CalTech-101 is the file caltech-101.zip of https://data.caltech.edu/records/mzrjq-6wc02 (CC BY 4.0): let"
                + " lola4j download it into ~/.cache/lola4j/" + ID + " (without --no-download), or unpack its"
                + " 101_ObjectCategories.tar.gz into a folder and pass it with --data DIR or " + DataLocator.ENV_VARIABLE;
    }

    /**
     * Opens the folder, checking that every image of the split is there and, when asked, that it
     * is the original file.
     *
     * @param dir    the folder holding {@value #IMAGES}
     * @param verify whether to check each image's SHA-256 (43 MB read; about a second)
     * @return the data set
     * @throws IOException naming the first missing or damaged file, or a catalogue that disagrees with the split
     */
    public static Caltech101 open(Path dir, boolean verify) throws IOException {
        Map<String, String> sums = checksums();
        List<String> missing = new ArrayList<>();
        for (Part p : Part.values()) {
            for (Entry e : entries(p)) {
                if (!Files.isRegularFile(dir.resolve(e.file()))) {
                    missing.add(e.file());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException(dir + ": " + missing.size() + " of the 3,030 CalTech-101 images are missing, the first "
                    + missing.get(0) + "; " + downloadAdvice());
        }
        if (verify) {
            MessageDigest sha = sha256();
            for (Map.Entry<String, String> s : sums.entrySet()) {
                String got = HexFormat.of().formatHex(sha.digest(Files.readAllBytes(dir.resolve(s.getKey()))));
                if (!got.equals(s.getValue())) {
                    throw new IOException(dir.resolve(s.getKey()) + ": SHA-256 " + got + ", expected " + s.getValue()
                            + " (the original CalTech-101 file); the file is damaged or not the original");
                }
            }
        }
        for (Part p : Part.values()) {
            checkCatalogue(dir, p);
        }
        return new Caltech101(dir);
    }

    /** A catalogue found beside the images must list the split's images, in order, with labels 1..101. */
    private static void checkCatalogue(Path dir, Part p) throws IOException {
        Path f = dir.resolve(p.catalogue);
        if (!Files.isRegularFile(f)) {
            return;
        }
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        List<Entry> expected = entries(p);
        if (lines.size() != expected.size()) {
            throw new IOException(f + ": " + lines.size() + " lines, the paper's split has " + expected.size());
        }
        for (int i = 0; i < lines.size(); i++) {
            Entry e = expected.get(i);
            String want = e.file().substring(IMAGES.length() + 1) + "\t" + (e.label() + 1);
            if (!lines.get(i).strip().equals(want)) {
                throw new IOException(f + " line " + (i + 1) + ": \"" + lines.get(i) + "\", the paper's split has \"" + want + "\"");
            }
        }
    }

    /**
     * The images of one part, class by class, then by image number (the catalogues' order).
     *
     * @param part the part
     * @return its entries
     */
    public static List<Entry> entries(Part part) {
        List<Entry> out = new ArrayList<>(part.count());
        for (int c = 0; c < CLASSES; c++) {
            for (int i = part.first; i < part.first + part.perClass; i++) {
                out.add(new Entry(String.format(Locale.ROOT, "%s/%s/image_%04d.jpg", IMAGES, CLASS_NAMES.get(c), i), c));
            }
        }
        return out;
    }

    /** The folder holding {@value #IMAGES}. */
    public Path directory() {
        return dir;
    }

    /**
     * One image, preprocessed: RGB, shorter side resized to {@value #RESIZE} (Pillow's bilinear),
     * centre {@value #CROP} x {@value #CROP}.
     *
     * @param e the entry
     * @return 3 x 224 x 224 bytes, channel-major (R plane, G plane, B plane), values 0..255 unsigned
     * @throws IOException when the file cannot be decoded as a JPEG, named
     */
    public byte[] image(Entry e) throws IOException {
        Path f = dir.resolve(e.file());
        BufferedImage img;
        try (InputStream in = Files.newInputStream(f)) {
            img = ImageIO.read(in);
        } catch (IOException | RuntimeException ex) {
            throw new IOException(f + ": not a readable JPEG (" + ex.getMessage() + ")", ex);
        }
        if (img == null) {
            throw new IOException(f + ": not a readable image");
        }
        return preprocess(img, f.toString());
    }

    /**
     * Resizes and crops a decoded image as {@link #image} does.
     *
     * @param img  the image (grey or colour)
     * @param name a name for messages
     * @return 3 x 224 x 224 bytes, channel-major
     * @throws IOException when the image is smaller than 1 pixel a side or has neither 1 nor 3 bands
     */
    public static byte[] preprocess(BufferedImage img, String name) throws IOException {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        // A palette image's one band holds indices, not grey levels: its colours come from the
        // palette (as Pillow's convert("RGB") takes them), else the indices would be read as pixels.
        boolean palette = img.getColorModel() instanceof IndexColorModel;
        if (bands != 1 && bands != 3 || w < 1 || h < 1) {
            throw new IOException(name + ": " + w + " x " + h + " with " + bands + " bands; expected a grey or RGB image");
        }
        for (int b = 0; !palette && b < bands; b++) {
            int bits = r.getSampleModel().getSampleSize(b);
            if (bits != 8) {
                throw new IOException(name + ": " + bits + "-bit samples; expected an 8-bit grey, RGB or palette image (save it"
                        + " with 8 bits per channel)");
            }
        }
        int[] argb = palette ? img.getRGB(0, 0, w, h, null, 0, w) : null;
        int shorter = Math.min(w, h);
        // the other side as the zoo's Python computes it: int(round(256 / shorter * longer)), round half to even
        int longer = (int) Math.rint((double) RESIZE / shorter * Math.max(w, h));
        int nw = w <= h ? RESIZE : longer;
        int nh = w <= h ? longer : RESIZE;
        if (nw < CROP || nh < CROP) {
            throw new IOException(name + ": resized to " + nw + " x " + nh + ", smaller than the " + CROP + " crop");
        }
        int x0 = nw / 2 - CROP / 2;
        int y0 = nh / 2 - CROP / 2;
        byte[] out = new byte[3 * CROP * CROP];
        int[] plane = new int[w * h];
        for (int c = 0; c < 3; c++) {
            if (palette) {
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = (argb[i] >> (16 - 8 * c)) & 0xff;
                }
            } else {
                // a grey image is RGB with three equal channels (Pillow's convert("RGB"))
                r.getSamples(0, 0, w, h, bands == 1 ? 0 : c, plane);
            }
            int[] resized = PillowBilinear.resize(plane, w, h, nw, nh);
            for (int y = 0; y < CROP; y++) {
                for (int x = 0; x < CROP; x++) {
                    out[(c * CROP + y) * CROP + x] = (byte) resized[(y0 + y) * nw + x0 + x];
                }
            }
        }
        return out;
    }

    /**
     * The network's input for a preprocessed image: {@code (v / 255 - mean_c) / std_c} with
     * ImageNet's mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225).
     *
     * @param chw 3 x 224 x 224 bytes from {@link #image}
     * @return the 150,528 input values, channel-major
     */
    public static double[] normalize(byte[] chw) {
        if (chw.length != 3 * CROP * CROP) {
            throw new IllegalArgumentException("Caltech101.normalize: " + chw.length + " bytes, expected " + 3 * CROP * CROP);
        }
        double[] x = new double[chw.length];
        int plane = CROP * CROP;
        for (int i = 0; i < x.length; i++) {
            int c = i / plane;
            x[i] = ((chw[i] & 0xFF) / 255.0 - MEAN[c]) / STD[c];
        }
        return x;
    }

    /** The recorded SHA-256 of every image of the split, by path below the data folder. */
    static Map<String, String> checksums() throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        try (InputStream in = Caltech101.class.getResourceAsStream("caltech101.sha256")) {
            if (in == null) {
                throw new IOException("the resource caltech101.sha256 is missing from the lola4j-data jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split(" +", 2);
                sums.put(f[1], f[0]);
            }
        }
        return sums;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
