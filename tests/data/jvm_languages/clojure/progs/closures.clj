(ns progs.closures (:gen-class))
(defn counter [] (let [n (atom 0)] (fn [] (swap! n inc))))
(defn -main [& args]
  (let [c (counter)]
    (c) (c)
    (println (c)))
  (println ((comp inc #(* 2 %)) 5))
  (println (map #(% 10) (map (fn [i] (fn [x] (+ x i))) [1 2 3])))
  (println ((partial * 3) 7))
  (println ((juxt first last count) [4 5 6]))
  (println (let [f (fn fact [n] (if (< n 2) 1 (* n (fact (dec n)))))] (f 20)))
  (println (->> (range 10) (filter even?) (map #(* % %)) (reduce +)))
  (println (-> {:a 1} (assoc :b 2) (dissoc :a)))
  (println ((memoize (fn [x] (* x x))) 12)))
