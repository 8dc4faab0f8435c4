"""Web form of the GBA product carbon footprint calculator: ``streamlit run app.py``.

The user interface lives in the ``webapp`` package; this file only starts it.
"""

from webapp.main import main

main()
