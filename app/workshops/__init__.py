"""Nearby workshops: a directory of Open Know Where records, matching a recipe to the workshops that can make
it, a transparent quote (home vs workshop vs buy), the submission client, and the workshop server.

  okw.py        OKW records <-> JSON, with provenance and the workshop's rates
  directory.py  the user's directory (data folder) and the built-in examples
  geo.py        offline town names (GeoNames) and geodesic distance
  needs.py      what a recipe needs from a machine
  matching.py   which workshops can make it, ranked, with reasons
  quote.py      home, workshop and buy, line by line with sources
  okh.py        the Open Know-How manifest of a published recipe
  client.py     a workshop server's API from the member's or staff's side
  tokens.py     the tokens for workshop servers (config folder, mode 600)
  staff.py      the staff's work on a job: fetch, check report, rebuild, quote, dispatch to a machine
  server/       the FastAPI server: db, models, migrations, auth, storage, jobs (states), submissions, app
"""
