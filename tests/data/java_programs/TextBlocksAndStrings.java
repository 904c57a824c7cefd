public class TextBlocksAndStrings {
    public static void main(String[] args) {
        String json = """
            {
              "name": "vm",
              "tags": ["a", "b"]
            }
            """;
        System.out.print(json);
        System.out.println(json.lines().count() + " " + json.indent(2).length() + " " + json.stripIndent().equals(json));
        String csv = "id,name,score\n1,ann,90\n2,bob,85\n3,cy,77";
        int total = 0;
        for (String row : csv.split("\n")) {
            if (row.startsWith("id")) continue;
            String[] cols = row.split(",");
            total += Integer.parseInt(cols[2]);
            System.out.println(String.format("%-4s|%5s|", cols[1], cols[2]));
        }
        System.out.println("total " + total);
        System.out.println("a\tb".translateEscapes() + " " + "x".compareToIgnoreCase("X") + " " + "ab".concat("cd") + " " + "abcabc".lastIndexOf("bc", 3));
        System.out.println(String.valueOf(new char[]{'o', 'k'}) + " " + "Hello".chars().sum() + " " + "  pad ".stripLeading() + "|" + "  pad ".stripTrailing() + "|");
        System.out.println(String.join("/", java.util.List.of("usr", "local", "bin")) + " " + "a1b2c3".replaceAll("(\\d)", "<$1>"));
        StringBuilder sb = new StringBuilder();
        for (String w : "the quick brown fox".split(" ")) sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1)).append(' ');
        System.out.println(sb.toString().trim() + " " + "Java".toCharArray().length + " " + "é".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1).length);
    }
}
