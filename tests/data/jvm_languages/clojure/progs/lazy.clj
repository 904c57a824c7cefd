(ns progs.lazy (:gen-class))
(def fibs (lazy-cat [0N 1N] (map + fibs (rest fibs))))
(defn sieve [s] (lazy-seq (cons (first s) (sieve (remove #(zero? (mod % (first s))) (rest s))))))
(defn -main [& args]
  (println (take 15 fibs))
  (println (nth fibs 90))
  (println (take 12 (sieve (iterate inc 2))))
  (let [evaluated (atom 0)
        s (map (fn [x] (swap! evaluated inc) (* x x)) (range 1 100))]
    (println (take 3 (filter #(= 1 (mod % 3)) s)) @evaluated))
  (println (take 5 (cycle [:a :b])))
  (println (take 4 (repeatedly (let [n (atom 0)] #(swap! n + 2)))))
  (let [d (delay (println "computing") 42)]
    (println "before")
    (println (+ @d @d)))
  (println (realized? (lazy-seq [1]))))
