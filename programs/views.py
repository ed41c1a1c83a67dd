from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .selectors import programme_catalogue


@require_GET
def catalogue(request):
    page = Paginator(programme_catalogue(), 20).get_page(request.GET.get("page"))
    return render(request, "programs/catalogue.html", {"page_obj": page, "programmes": page.object_list})


@require_GET
def programme_detail(request, slug):
    programme = get_object_or_404(programme_catalogue(), slug=slug)
    return render(request, "programs/programme_detail.html", {"programme": programme})
