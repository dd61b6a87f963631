"""The one worked example of the seed chapters: the question's network with small integers.

Chosen so a reader can check every step by hand and the question's product-of-sums formula
is visibly wrong: it disagrees with the chain rule for each of the four weights of w¹,
o² − y is not zero, and no matrix is symmetric (a symmetric choice could hide a mix-up
of rows and columns, or of a kernel and its 180° rotation).
"""

# Input i, row by row: i₁ i₂ i₃ / i₄ i₅ i₆ / i₇ i₈ i₉.
I = ((3, 2, 2),  # noqa: E741 (the name the general chapter imports)
     (1, 3, 3),
     (1, 2, 3))
# First filter w¹: w¹₁ w¹₂ / w¹₃ w¹₄.
W1 = ((-1, 2),
      (-1, 1))
# Second filter w²: w²₁ w²₂ / w²₃ w²₄.
W2 = ((-1, -1),
      (2, -1))
# Target, one below the network's output o² (which is 3), so C = (o² − y)² is small.
TARGET = 2
