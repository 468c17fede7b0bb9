"""alliance: query the Renault–Nissan–Mitsubishi Alliance dataset."""
